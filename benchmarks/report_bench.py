#!/usr/bin/env python3
"""Benchmark of the HTML report: generation time, size and peak memory; time to first view and
page memory in headless Chromium. Prints a table and writes one JSON object.

    python benchmarks/make_corpus.py -n 20000 && python benchmarks/make_corpus.py -n 100000
    python benchmarks/report_bench.py --corpora bbc,20k,100k --reps 3

For each corpus: ``retold find`` (lexical embedder, once; its pairs are kept in
``benchmarks/data/pairs_<name>.jsonl``), then ``retold report`` in a fresh process under
``/usr/bin/time -v`` (``--reps`` times: seconds, peak RSS, bytes and files written). Then Chromium
(Playwright, system browser) opens the page from the file system ``--reps`` times, each in a new
browser context (the OS file cache is warm, the browser's is not): time from navigation to the
first rendered view (the overview), to the families list, to the strongest pair's side-by-side
view (deep link), to the view of the largest family and to the document view of the most related
document, plus the page's JS heap
and DOM nodes after those views (``Performance.getMetrics``). Medians are reported; the ratio
column compares each corpus with the first one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
BBC = Path(os.environ.get("RETOLD_SHARED", ROOT.parent / "shared")) / "data" / "bbc" / "bbc.jsonl"
CHROMIUM = os.environ.get("RETOLD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def corpus_path(name: str) -> Path:
    if name == "bbc":
        return BBC
    p = DATA / f"corpus_{name}.jsonl"
    if not p.exists():
        n = int(name.rstrip("k")) * 1000
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "-n", str(n)], check=True)
    return p


def pairs_path(name: str, corpus: Path) -> Path:
    p = DATA / f"pairs_{name}.jsonl"
    if not p.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "RETOLD_EMBEDDER": "lexical"}
        subprocess.run([sys.executable, "-m", "retold", "find", str(corpus), "-o", str(p), "-q"], check=True, env=env,
                       cwd=ROOT)
    return p


def generate(pairs: Path, corpus: Path, out: Path) -> dict[str, float]:
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "retold", "report", str(pairs), "--corpus", str(corpus),
           "-o", str(out), "--json", "-q"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    summary = json.loads(p.stderr[p.stderr.index("{"): p.stderr.rindex("}") + 1])
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return {"seconds": wall, "report_seconds": summary["seconds"], "bytes": summary["bytes_written"],
            "files": summary["files_written"], "page_bytes": out.stat().st_size,
            "peak_rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
            "documents": summary["report_documents"], "pairs": summary["pairs"], "families": summary["families"],
            "split": summary["data_folder"] is not None}


def strongest(pairs: Path) -> tuple[str, str, str]:
    """The pair with most passages (the heaviest side-by-side view) and the most related document."""
    import orjson

    best, best_n, degree = ("", ""), -1, {}
    with open(pairs, "rb") as fh:
        for line in fh:
            r = orjson.loads(line)
            n = len(r.get("passages") or [])
            if n > best_n:
                best, best_n = (r["a"], r["b"]), n
            degree[r["a"]] = degree.get(r["a"], 0) + 1
            degree[r["b"]] = degree.get(r["b"], 0) + 1
    hub = max(sorted(degree), key=lambda k: degree[k])
    return best[0], best[1], hub


def views(browser, page_path: Path, a: str, b: str, hub: str) -> dict[str, float]:
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith("file://") else outside.append(r.url))
    url = page_path.as_uri()
    out: dict[str, float] = {}

    def timed(name: str, target: str, ready: str) -> None:
        # wall: Playwright's navigation to the selector appearing (includes its polling); in page:
        # navigation start (or the hash change) to the page's own mark once the view is drawn
        t0 = time.perf_counter()
        if target.startswith("file:"):
            page.goto(target)
            start = 0.0
        else:
            start = page.evaluate(f"(() => {{ const t = performance.now(); location.hash = {json.dumps(target)}; "
                                  "return t; })()")
        page.wait_for_selector(ready, timeout=120_000)
        out[name] = time.perf_counter() - t0
        drawn = page.evaluate("Math.max(...performance.getEntriesByName('retold-render').map(e => e.startTime))")
        out[name.replace("_s", "_page_s")] = (drawn - start) / 1000

    timed("first_view_s", url, "main .cards")
    timed("families_s", "#families", "tr[data-family]")
    page.select_option("#f-sort", "size")
    page.wait_for_function("document.querySelector('#f-sort').value === 'size'")
    biggest = page.locator("tr[data-family]").first.get_attribute("data-family")
    timed("largest_family_s", f"#family={biggest}", "#family-pairs tr[data-pair]")
    timed("pair_view_s", f"#pair={quote(a, safe='')},{quote(b, safe='')}", f'[data-doc="{b}"] .text')
    timed("doc_view_s", f"#doc={quote(hub, safe='')}", "#relations tr[data-pair]")
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out["js_heap_mb"] = metrics.get("JSHeapUsedSize", 0) / 2**20
    out["dom_nodes"] = metrics.get("Nodes", 0)
    ctx.close()
    if errors or outside:
        raise SystemExit(f"{page_path}: console errors {errors[:3]}, requests leaving the file {outside[:3]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default="bbc,20k,100k", help="bbc and/or generated sizes (20k, 100k)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default=str(DATA / "report_bench"), help="folder for the reports")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "report.json"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, float]] = {}
    names = [c.strip() for c in args.corpora.split(",") if c.strip()]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name in names:
            corpus = corpus_path(name)
            if not corpus.exists():
                print(f"skip {name}: {corpus} not found", file=sys.stderr)
                continue
            pairs = pairs_path(name, corpus)
            page = Path(args.out) / name / "report.html"
            gens = [generate(pairs, corpus, page) for _ in range(args.reps)]
            a, b, hub = strongest(pairs)
            shows = [views(browser, page, a, b, hub) for _ in range(args.reps)]
            row = {k: statistics.median(g[k] for g in gens) for k in gens[0]}
            row.update({k: statistics.median(s[k] for s in shows) for k in shows[0]})
            results[name] = row
            print(f"{name}: {json.dumps({k: round(v, 3) for k, v in row.items()})}", file=sys.stderr)
        browser.close()
    first = next(iter(results.values()), None)
    cols = [("documents", "docs in report", "{:,.0f}"), ("pairs", "pairs", "{:,.0f}"),
            ("report_seconds", "generate s", "{:.2f}"), ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
            ("bytes", "size MB", "{:.1f}"), ("files", "files", "{:.0f}"), ("first_view_s", "first view s", "{:.3f}"),
            ("first_view_page_s", "first view in page s", "{:.3f}"),
            ("families_s", "families s", "{:.3f}"), ("largest_family_s", "largest family s", "{:.3f}"),
            ("pair_view_s", "pair view s", "{:.3f}"),
            ("doc_view_s", "doc view s", "{:.3f}"), ("js_heap_mb", "JS heap MB", "{:.1f}"),
            ("dom_nodes", "DOM nodes", "{:,.0f}")]
    print("| corpus | " + " | ".join(c[1] for c in cols) + " | first view x |")
    print("|---" * (len(cols) + 2) + "|")
    for name, row in results.items():
        cells = [(fmt.format(row[k] / 1e6) if k == "bytes" else fmt.format(row[k])) for k, _, fmt in cols]
        ratio = row["first_view_s"] / first["first_view_s"] if first else 1.0
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
