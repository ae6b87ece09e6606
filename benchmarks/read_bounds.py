#!/usr/bin/env python3
"""How much MiniLM reads, and what the default ``find`` reports, under other reading settings of
the paraphrase tier's cascade (``retold.paraphrase.READ_BOUNDS``, ``READ_SHARE``).

    python benchmarks/read_bounds.py CORPUS [--variant LO,HI[,SHARE] ...] [--gold GOLD.json]
        [--scorer ../shared/bench/reuse/dev_eval.py]

Each variant runs ``retold find CORPUS -o PAIRS --json`` in a fresh process with the two bounds
(how far MiniLM's probability for an unread unsure sentence pair is taken to lie below and above
the cheap model's) and the share of a pair's unsure sentence pairs read a round set as given;
the first row is the build's own setting. Printed per variant: the sentences MiniLM read, its
rounds, the ``paraphrase`` pairs, the whole process's seconds, and, with ``--gold``, the
scorer's line (``dev_eval.py`` of ``../shared/bench/reuse``). The vector store is off
(``RETOLD_EMBEDDING_STORE=0``), so every variant reads what it needs.

This is the table of benchmarks/README.md (issue 13, eleventh session): a measurement tool, not
a tuning loop; the settings in ``retold.paraphrase`` are not chosen from its output on the corpus
that grades the tier.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tier_cost import run  # noqa: E402  one fresh process: wall seconds and its JSON summary

RUN = """
import sys
import retold.paraphrase as P
lo, hi, share = (float(x) for x in sys.argv[1:4])
P.READ_BOUNDS = (lo, hi)
P.READ_SHARE = share
from retold.cli import main
sys.argv = ["retold", "find", *sys.argv[4:]]
main()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--variant", action="append", default=[], metavar="LO,HI[,SHARE]")
    ap.add_argument("--gold", help="the corpus's gold.json (make_dev_corpus.py)")
    ap.add_argument("--scorer", default=str(ROOT.parent / "shared" / "bench" / "reuse" / "dev_eval.py"))
    args = ap.parse_args()
    os.environ["RETOLD_EMBEDDING_STORE"] = "0"  # every variant reads what it needs
    sys.path.insert(0, str(ROOT / "src"))
    from retold import paraphrase

    built = (*paraphrase.READ_BOUNDS, paraphrase.READ_SHARE)
    variants = [built]
    for v in args.variant:
        parts = [float(x) for x in v.split(",")]
        variants.append((parts[0], parts[1], parts[2] if len(parts) > 2 else paraphrase.READ_SHARE))
    tmp = Path(tempfile.mkdtemp(prefix="retold-read-bounds-"))
    print("| bounds (below, above) | share a round | MiniLM sentences (rounds) | paraphrase pairs | seconds |"
          + (" scorer |" if args.gold else ""))
    print("|---|---|---|---|---|" + ("---|" if args.gold else ""))
    for k, (lo, hi, share) in enumerate(variants):
        out = tmp / f"pairs{k}.jsonl"
        wall, _, _, summary = run([sys.executable, "-c", RUN, str(lo), str(hi), str(share), args.corpus, "-o",
                                   str(out), "--json", "-q"], str(ROOT / "src"))
        tier = summary.get("paraphrase_tier", {})
        row = (f"| ({lo:g}, {hi:g}){' (as built)' if k == 0 else ''} | {share:g} | "
               f"{tier.get('precise_sentences', 0)} ({tier.get('precise_rounds', 0)}) | "
               f"{summary['pairs'].get('paraphrase', 0)} | {wall:.1f} |")
        if args.gold:
            got = subprocess.run([sys.executable, args.scorer, args.gold, str(out)], capture_output=True, text=True)
            row += f" {got.stdout.strip()} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
