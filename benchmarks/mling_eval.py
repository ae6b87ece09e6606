#!/usr/bin/env python3
"""Per-script reuse checks on real text in ten languages (``../shared/data/mling``).

    python benchmarks/mling_eval.py [--shared ../shared] [--embedder auto] [--chars-per-word] [--show LANG]

For each language: up to 40 texts of 400+ characters, plus an edited copy of the first (a letter
lost every 97) and the longest other text with 40% of the second spliced into its middle. One
``retold.find`` per language; prints whether the copy is a ``near_duplicate``, the splice
``partial`` (with the offsets of its longest passage pointing at the lifted text on both
sides), and how many pairs are reported between texts of different sources (id prefix) and as
``paraphrase`` among the originals (both should be 0), and the pairs within one source (real
shared text: two Thai versions of the Declaration, its simplified and traditional Chinese
texts, repeated articles). The same construction as
``tests/engine/test_local.py::test_every_script_...``.

``--chars-per-word``: Chinese and Japanese characters per word by ICU's dictionary word
boundaries over every text of ``zh`` and ``ja`` (:data:`retold.text.CJK_CHARS_PER_WORD`);
``--show LANG``: print the pairs within one source of that language with their passages.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import retold  # noqa: E402
from retold.text import segmenter  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--chars-per-word", action="store_true")
    ap.add_argument("--show", default=None)
    args = ap.parse_args()
    d = Path(args.shared) / "data" / "mling"
    if args.chars_per_word:
        chars_per_word(d)
        return
    tmp = Path(tempfile.mkdtemp(prefix="retold-mling-"))
    print(f"word segmenter for Thai, Lao, Khmer, Burmese: {segmenter()}")
    print("| language | texts | edited copy | spliced passage (offsets exact) | pairs across sources "
          "| paraphrase among originals | pairs within one source (kinds) | tier: documents per language |")
    print("|---|---|---|---|---|---|---|---|")
    for lang in ("ar", "hi", "ja", "km", "ko", "lo", "my", "ru", "th", "zh"):
        docs = [json.loads(line) for line in open(d / f"{lang}.jsonl", encoding="utf-8")]
        docs = [x for x in docs if len(x["text"]) >= 400][:40]
        a, b = docs[0], docs[1]
        host = max(docs[2:], key=lambda x: len(x["text"]))
        near = "".join(ch for k, ch in enumerate(a["text"]) if k % 97 != 50)
        lifted = b["text"][: int(len(b["text"]) * 0.4)]
        mid = len(host["text"]) // 2
        part = host["text"][:mid] + "\n\n" + lifted + "\n\n" + host["text"][mid:]
        recs = [{"id": x["id"], "text": x["text"]} for x in docs] + [{"id": "NEAR", "text": near},
                                                                     {"id": "PART", "text": part}]
        path = tmp / f"{lang}.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs), encoding="utf-8")
        res = retold.find([path], embedder=args.embedder)
        got = {(p.a, p.b): p for p in res.records()}
        n = got.get((a["id"], "NEAR"))
        p = got.get((b["id"], "PART"))
        exact = False
        if p is not None and p.passages:
            q = max(p.passages, key=lambda x: x.a_end - x.a_start)
            exact = b["text"][q.a_start:q.a_end] in lifted and part[q.b_start:q.b_end] == b["text"][q.a_start:q.a_end]
        source = {r["id"]: r["id"].split(":")[0] for r in recs}
        others = [(x, y, q.kind) for (x, y), q in got.items() if "NEAR" not in (x, y) and "PART" not in (x, y)]
        if args.show == lang:
            text = {r["id"]: r["text"] for r in recs}
            for x, y, k in others:
                print(x, y, k, [(text[x][q.a_start:q.a_end], q.kind) for q in got[(x, y)].passages or []])
        across = sum(source[x] != source[y] for x, y, _ in others)
        para = sum(k == "paraphrase" for _, _, k in others)
        within: dict[str, int] = {}
        for x, y, k in others:
            if source[x] == source[y]:
                within[k] = within.get(k, 0) + 1
        langs = {k.split(":", 1)[1]: v for k, v in res.tier.items() if k.startswith("language:")}
        print(f"| {lang} | {len(docs)} | {n.kind if n else 'missed'} | {p.kind if p else 'missed'} "
              f"({'yes' if exact else 'no'}) | {across} | {para} | {within or 0} | {langs} |", flush=True)


def chars_per_word(d: Path) -> None:
    """Characters per word of Chinese and Japanese by ICU word boundaries."""
    import icu

    from retold.text import _SINGLE_CHAR

    for lang, locale in (("zh", "zh"), ("ja", "ja")):
        chars = words = 0
        it = icu.BreakIterator.createWordInstance(icu.Locale(locale))
        for line in open(d / f"{lang}.jsonl", encoding="utf-8"):
            text = json.loads(line)["text"]
            it.setText(text)
            start = 0
            for end in it:
                n = len(_SINGLE_CHAR.findall(text[start:end]))
                if n:  # a word of Chinese or Japanese characters (ICU offsets are UTF-16: BMP text here)
                    chars += n
                    words += 1
                start = end
        print(f"{lang}: {chars} characters in {words} words: {chars / max(1, words):.2f} characters per word")


if __name__ == "__main__":
    main()
