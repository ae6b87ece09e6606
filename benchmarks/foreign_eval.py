#!/usr/bin/env python3
"""The paraphrase tier's evidence for languages without a sentence model, measured on English.

    python benchmarks/foreign_eval.py CORPUS_DIR [--shared ../shared] [--keep PAIRS.jsonl]

``CORPUS_DIR`` holds ``corpus.jsonl`` and ``gold.json`` of the reuse development corpus
(``python ../shared/bench/reuse/make_dev_corpus.py CORPUS_DIR``). Every document is taken as not
English, so every candidate pair of the tier is decided on character evidence
(:mod:`retold.chargrams`), as Urdu, Thai or Russian pairs are; then one ``retold.find`` with its
defaults, scored by ``../shared/bench/reuse/dev_eval.py`` (recall per category, precision,
same-event pairs) with the floors of issue 13 (paraphrase 0.95, seed, precision 0.99). This is
where the character evidence is tuned (with MSRP train stories and odd ECB+ topics, which the
corpus holds); COUNTER (``counter_eval.py``) only reports.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import retold  # noqa: E402
import retold.paraphrase  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus_dir")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--keep", default=None, help="write the reported pairs here")
    ap.add_argument("--english", action="store_true", help="leave the languages as identified (no forcing)")
    args = ap.parse_args()
    d = Path(args.corpus_dir)
    if not args.english:
        retold.paraphrase.languages = lambda texts: {k: "xx" for k in texts}  # type: ignore[assignment]
    t0 = time.perf_counter()
    res = retold.find([str(d / "corpus.jsonl")], embedder="lexical")
    seconds = time.perf_counter() - t0
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="retold-foreign-")) / "pairs.jsonl"
    recs = list(res.records())
    with open(out, "w", encoding="utf-8") as fh:
        for p in recs:
            fh.write(json.dumps({"a": p.a, "b": p.b, "kind": p.kind}) + "\n")
    gold = json.load(open(d / "gold.json", encoding="utf-8"))
    same = {tuple(sorted(p)) for p in gold.get("same_event", [])}
    kinds = collections.Counter(p.kind for p in recs)
    same_kinds = collections.Counter(p.kind for p in recs if tuple(sorted((p.a, p.b))) in same)
    print(json.dumps({"seconds": round(seconds, 1), "kinds": dict(kinds), "same_event_by_kind": dict(same_kinds),
                      "tier": res.tier}, indent=1))
    scorer = Path(args.shared) / "bench" / "reuse" / "dev_eval.py"
    r = subprocess.run([sys.executable, str(scorer), str(d / "gold.json"), str(out), "--need", "paraphrase=0.95",
                        "--need", "seed=1", "--precision", "0.99"], check=False)
    print(f"dev_eval exit {r.returncode} (0: the floors of issue 13 hold)")


if __name__ == "__main__":
    main()
