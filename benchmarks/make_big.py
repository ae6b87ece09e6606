#!/usr/bin/env python3
"""A corpus larger than memory, from the same generator: PARTS corpora of 1M documents each (seeds
S, S+1, ...), streamed one after the other into one gzip-compressed JSONL.

    python benchmarks/make_big.py --parts 10 --out benchmarks/data/corpus_10m.jsonl.gz

``make_corpus.py`` builds its documents in memory before shuffling them, so one 10M-document
corpus would need about 30 GB of RAM; this writes 1M-document parts instead. Ids get the part
as a prefix (``p3-d0001234``). The parts' sources are drawn from the same BBC articles, so
copies of one article in two parts are near-duplicates that the parts' truth files do not
link: the result is for speed and memory, not for quality (use ``make_corpus.py`` for that).
Part corpora are written to a temporary folder (next to the output) and deleted once copied.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", type=int, default=10)
    ap.add_argument("--docs-per-part", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--out", required=True, help="output .jsonl.gz")
    ap.add_argument("--level", type=int, default=3, help="gzip compression level")
    ap.add_argument("--reuse", nargs="*", default=[], help="existing part corpora to use as the first parts")
    args = ap.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wb", compresslevel=args.level) as gz, \
            tempfile.TemporaryDirectory(prefix="retold-big-", dir=out.parent) as tmp:
        for p in range(args.parts):
            if p < len(args.reuse):
                part = Path(args.reuse[p])
            else:
                part = Path(tmp) / f"part{p}.jsonl"
                subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "-n", str(args.docs_per_part),
                                "--seed", str(args.seed + p), "--out", str(part)], check=True,
                               stdout=subprocess.DEVNULL)
            prefix = f'{{"id": "p{p}-'.encode()
            with open(part, "rb") as f:
                for line in f:
                    if line.startswith(b'{"id": "'):  # make_corpus.py's layout: no need to parse
                        gz.write(prefix + line[8:])
                        continue
                    rec = json.loads(line)
                    rec["id"] = f"p{p}-{rec['id']}"
                    gz.write(json.dumps(rec, ensure_ascii=False).encode() + b"\n")
            if p >= len(args.reuse):
                for suffix in (".jsonl", ".truth.jsonl", ".meta.json"):
                    with_suffix = part.with_name(part.name.removesuffix(".jsonl") + suffix)
                    if with_suffix.exists():
                        os.unlink(with_suffix)
            print(f"part {p + 1}/{args.parts} written", file=sys.stderr, flush=True)
    print(f"wrote {out} ({out.stat().st_size / 2**30:.2f} GiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
