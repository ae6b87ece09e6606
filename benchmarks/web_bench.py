"""Web input throughput: WARC reading + HTML extraction, and `find` end to end on a crawl.

    python benchmarks/web_bench.py [--corpus benchmarks/data/corpus_20k.jsonl] [-n 20000]

Wraps the documents of a generated corpus (make_corpus.py) into HTML pages of 20 sites (a
header, navigation, the article as <p> paragraphs, a footer with share and comment lines),
writes them to one .warc.gz with warcio, then times (1) reading the WARC with retold's
reader (fastwarc + trafilatura), in documents per second, and (2) `retold.find` over the WARC
(all kinds, site furniture recognised), and scores the near-duplicate clusters against the
corpus's ground truth. Prints JSON.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent


def page(doc_id: str, text: str, site: int) -> bytes:
    lines = [x for x in text.split("\n") if x.strip()]
    title = html.escape(lines[0] if lines else doc_id)
    body = "".join(f"<p>{html.escape(x)}</p>" for x in lines[1:])
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<header><nav><a href='/'>Site {site} home</a> | <a href='/news'>News</a> | <a href='/sport'>Sport</a>"
            f"</nav></header><article><h1>{title}</h1>{body}</article>"
            f"<footer><p>Share this article</p><p>Please enter your comment!</p>"
            f"<p>Copyright Site {site} Media Group</p></footer></body></html>").encode()


def write_warc(corpus: Path, n: int, out: Path) -> list[str]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    ids = []
    with out.open("wb") as f:
        w = WARCWriter(f, gzip=True)
        for i, line in enumerate(corpus.open("rb")):
            if i >= n:
                break
            r = orjson.loads(line)
            url = f"https://site{i % 20}.example/{r['id']}"
            ids.append(r["id"])
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            rec = w.create_warc_record(url, "response", payload=io.BytesIO(page(r["id"], r["text"], i % 20)),
                                       http_headers=headers)
            w.write_record(rec)
    return ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "data" / "corpus_20k.jsonl")
    ap.add_argument("-n", type=int, default=20000)
    args = ap.parse_args()
    import retold
    from retold.readers import ReadStats, read_documents

    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "crawl.warc.gz"
        t0 = time.perf_counter()
        ids = write_warc(args.corpus, args.n, warc)
        t_write = time.perf_counter() - t0
        stats = ReadStats()
        t0 = time.perf_counter()
        n_docs = sum(1 for _ in read_documents([warc], stats=stats, keep_records=False))
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = retold.find([warc])
        t_find = time.perf_counter() - t0
        out = {"pages": len(ids), "warc_mb": round(warc.stat().st_size / 2**20, 1), "write_seconds": round(t_write, 2),
               "read_extract_seconds": round(t_read, 2), "pages_per_second": round(n_docs / t_read, 1),
               "documents": n_docs, "skipped": dict(stats.skipped), "find_seconds": round(t_find, 2),
               "find_stages": {k: round(v, 2) for k, v in res.timings.items()}, "pairs": res.kind_counts(),
               "boilerplate_documents": len(res.corpus.boilerplate)}
        truth_path = Path(str(args.corpus).replace(".jsonl", ".truth.jsonl"))
        if truth_path.exists():
            sys.path.insert(0, str(HERE))
            from evaluate import pair_metrics

            truth = [json.loads(x) for _, x in zip(range(args.n), truth_path.open())]
            labels = res.cluster_labels().tolist()
            m = pair_metrics(labels, [t["cluster"] for t in truth])
            out["near_duplicate_clusters"] = {k: round(m[k], 4) for k in ("precision", "recall", "f1")}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
