#!/usr/bin/env python3
"""Deterministic near-duplicate corpus generator with ground truth.

    python benchmarks/make_corpus.py -n 20000   # -> benchmarks/data/corpus_20k.{jsonl,truth.jsonl,meta.json}

Builds N documents from real English text and records which documents were
derived from which source. Seed text, first found wins:

  1. --bbc PATH: the BBC News JSONL (default ../shared/data/bbc/bbc.jsonl beside
     the repository; one {"id", "category", "text"} per line);
  2. --seed-text FILE...: any plain English text, cut into pseudo-articles;
  3. the .txt files in the repository's examples/ folder (a tiny seed set:
     good for smoke tests only, the spliced background docs then overlap).

Outputs (for --out PATH.jsonl):
  PATH.jsonl        one {"id", "text"} object per line (what detectors see)
  PATH.truth.jsonl  one ground-truth record per line, same order:
      id        document id
      cluster   ground-truth cluster id (all docs derived from one source share it;
                unrelated docs are singleton clusters)
      kind      "source"     original article that has near-duplicates
                "dup"        edited copy of a source
                "single"     original article with no copies
                "background" unrelated doc spliced from sentences of several articles
      source    id of the source a dup was derived from (null otherwise)
      edit_rate word-level edit rate applied to a dup (0.01-0.20; null otherwise)
      ops       structural edits applied to a dup (list of strings)
      jaccard   exact Jaccard of word 5-gram shingle sets (canonical normaliser,
                see normalise() below) between a dup and its source
  PATH.meta.json    generator parameters, counts, sha256 of the two files

Edit model of a copy: a word edit rate drawn uniformly from one of three buckets
(1-5%, 5-10%, 10-20%) applied as substitutions 50% / deletions 25% / insertions
25%; sentence drops 5-15% (p=0.3); a paragraph swap or move (p=0.2); truncation
to 60-95% (p=0.2); appended boilerplate, sometimes a header (p=0.4); one surface
change (p=0.5): quotes, punctuation stripping, upper-case headline, lower-casing,
dashes and double spaces.

Only the standard library is used; the output is a pure function of the
arguments and the seed text (no set iteration over strings, fixed random.Random
seeds), identical under any PYTHONHASHSEED. With the BBC seed text it produces
the same corpus, byte for byte, as the team's shared peer harness generator.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_BBC = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "bbc", "bbc.jsonl"))
EXAMPLES = os.path.join(ROOT, "examples")
FALLBACK_MIN_WORDS = 120  # plain text is cut into pseudo-articles of at least this many words
SMALL_SEED_SET = 100  # fewer usable seed articles than this: warn that the corpus is a smoke test

# ---------------------------------------------------------------- normalising
_WORD = re.compile(r"\w+")


def normalise(text: str) -> list[str]:
    """Canonical tokeniser used for ground-truth Jaccard and by the harness:
    lowercase, keep \\w+ runs (so punctuation and quote style are ignored)."""
    return _WORD.findall(text.lower())


def shingle_set(text: str, n: int = 5) -> set:
    toks = normalise(text)
    if len(toks) < n:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------- seed text
_SENT_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019]))\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")


def split_paragraphs(text: str) -> list[list[str]]:
    """Article -> list of paragraphs, each a list of sentences."""
    paras = []
    for p in re.split(r"\n\s*\n", text.strip()):
        p = " ".join(p.split())
        if not p:
            continue
        sents = [s for s in _SENT_SPLIT.split(p) if s.strip()]
        paras.append(sents)
    return paras


def join_paragraphs(paras: list[list[str]]) -> str:
    return "\n\n".join(" ".join(s) for s in paras if s)


def load_bbc(path: str) -> list[dict]:
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            docs.append({"id": str(r.get("id", len(docs))), "cat": r.get("category", ""), "text": r["text"]})
    return docs


def load_plain_text(paths: list[str]) -> list[dict]:
    """Cut plain text files into pseudo-articles: paragraphs are separated by
    blank lines (by line breaks when a file has no blank lines), and consecutive
    paragraphs are grouped until a pseudo-article has FALLBACK_MIN_WORDS words.
    All pseudo-articles share one category, so background splicing has a pool."""
    docs = []
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as f:
            raw = f.read().replace("\r\n", "\n")
        paras = [x.strip() for x in re.split(r"\n\s*\n", raw) if x.strip()]
        if len(paras) <= 1:
            paras = [x.strip() for x in raw.split("\n") if x.strip()]
        cur: list[str] = []
        n_words = 0
        chunk = 0
        for para in paras:
            cur.append(" ".join(para.split()))
            n_words += len(para.split())
            if n_words >= FALLBACK_MIN_WORDS:
                docs.append(
                    {"id": f"{os.path.basename(p)}#{chunk:05d}", "cat": "text", "text": "\n\n".join(cur)}
                )
                cur, n_words, chunk = [], 0, chunk + 1
        if cur and n_words >= FALLBACK_MIN_WORDS // 2:
            docs.append({"id": f"{os.path.basename(p)}#{chunk:05d}", "cat": "text", "text": "\n\n".join(cur)})
    return docs


def load_seeds(bbc: str | None, seed_text: list[str]) -> tuple[list[dict], str]:
    """BBC JSONL if present, else --seed-text files, else examples/*.txt."""
    docs: list[dict] = []
    if bbc and os.path.exists(bbc):
        docs = load_bbc(bbc)
        origin = f"BBC News ({os.path.basename(bbc)})"
    else:
        print(f"note: BBC seed text not found at {bbc}; using plain-text seeds", file=sys.stderr)
        files = list(seed_text)
        if not files:
            files = sorted(glob.glob(os.path.join(EXAMPLES, "*.txt")))
            origin_kind = "examples/ fallback"
        else:
            origin_kind = "--seed-text"
        docs = load_plain_text(files)
        origin = f"{origin_kind}: " + ", ".join(os.path.basename(p) for p in files)
    if not docs:
        sys.exit(f"no seed text: put the BBC JSONL at {DEFAULT_BBC}, pass --bbc PATH or --seed-text FILE...")
    docs.sort(key=lambda d: d["id"])
    return docs, origin


def dedupe_seeds(docs: list[dict], thr: float = 0.2) -> tuple[list[dict], int]:
    """Drop seeds that are (near-)duplicates of an earlier seed (the BBC set
    repeats some stories), so that the ground truth is not polluted. Uses an
    inverted index over 5-gram shingles; exact Jaccard for every colliding pair."""
    sets = [shingle_set(d["text"]) for d in docs]
    index: dict[str, int] = {}
    kept, dropped = [], 0
    for i, d in enumerate(docs):
        cand: Counter = Counter()
        for s in sets[i]:
            j = index.get(s)
            if j is not None:
                cand[j] += 1
        need = 0.5 * thr * len(sets[i])
        dup = any(c >= need and jaccard(sets[i], sets[j]) >= thr for j, c in cand.items())
        if dup or len(sets[i]) < 30:
            dropped += 1
            continue
        for s in sets[i]:
            index.setdefault(s, i)
        kept.append(d)
    return kept, dropped


# ---------------------------------------------------------------- edits
BOILERPLATE_TAIL = [
    "Share this article",
    "Share this article: Facebook Twitter Email",
    "Leave a Reply",
    "Leave a comment",
    "Your email address will not be published. Required fields are marked *",
    "Comment *",
    "Name *",
    "Email *",
    "Website",
    "Save my name, email, and website in this browser for the next time I comment.",
    "Post Comment",
    "Related articles",
    "Sign up for our daily newsletter",
    "Click here to subscribe to our newsletter.",
    "Follow us on Twitter and Facebook",
    "Copyright 2005 All rights reserved.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Read more:",
    "Advertisement",
    "Report an error",
    "Print this page",
    "Back to top",
]
BOILERPLATE_HEAD = [
    "Advertisement",
    "Home > News",
    "Home | News | Business | Sport",
    "Skip to main content",
    "Published: Friday, 14 January 2005",
    "By staff writers",
    "Listen to this article",
]


class Editor:
    """Applies the edit model. Every random draw goes through self.rng, in a
    fixed order, so the corpus is reproducible."""

    def __init__(self, rng: random.Random, vocab: list[str]):
        self.rng = rng
        self.vocab = vocab

    # word-level edits, keeping paragraph structure -------------------------
    def word_edits(self, paras: list[list[str]], rate: float) -> list[list[str]]:
        rng = self.rng
        out = []
        for p in paras:
            words = " ".join(p).split()
            new = []
            for w in words:
                if rng.random() < rate:
                    op = rng.random()
                    if op < 0.5:  # substitution
                        new.append(self._like(w, rng.choice(self.vocab)))
                    elif op < 0.75:  # deletion
                        pass
                    else:  # insertion after
                        new.append(w)
                        new.append(rng.choice(self.vocab))
                else:
                    new.append(w)
            if new:
                out.append([" ".join(new)])
        return out

    @staticmethod
    def _like(orig: str, rep: str) -> str:
        # keep trailing punctuation / capitalisation of the replaced word
        m = re.match(r"^(\W*)(.*?)(\W*)$", orig)
        pre, core, post = m.groups() if m else ("", orig, "")
        if core[:1].isupper():
            rep = rep[:1].upper() + rep[1:]
        return pre + rep + post

    # structural edits ------------------------------------------------------
    def drop_sentences(self, paras):
        flat = [(i, j) for i, p in enumerate(paras) for j in range(len(p))]
        if len(flat) < 6:
            return paras, 0
        k = max(1, int(len(flat) * self.rng.uniform(0.05, 0.15)))
        drop = set(self.rng.sample(range(1, len(flat)), k))  # never the headline
        out, n = [], 0
        for p in paras:
            q = []
            for s in p:
                if n not in drop:
                    q.append(s)
                n += 1
            if q:
                out.append(q)
        return out, k

    def reorder(self, paras):
        if len(paras) < 4:
            return paras
        body = paras[1:]
        if self.rng.random() < 0.5:  # swap two paragraphs
            i, j = self.rng.sample(range(len(body)), 2)
            body[i], body[j] = body[j], body[i]
        else:  # move one paragraph elsewhere
            i = self.rng.randrange(len(body))
            p = body.pop(i)
            body.insert(self.rng.randrange(len(body) + 1), p)
        return [paras[0]] + body

    def truncate(self, text: str) -> str:
        words = text.split(" ")
        keep = int(len(words) * self.rng.uniform(0.6, 0.95))
        return " ".join(words[:keep]).rstrip() + self.rng.choice(["", "...", " [...]", "\u2026"])

    def boilerplate(self, text: str) -> str:
        rng = self.rng
        tail = rng.sample(BOILERPLATE_TAIL, rng.randint(1, 5))
        if rng.random() < 0.3:
            text = "\n".join(rng.sample(BOILERPLATE_HEAD, rng.randint(1, 2))) + "\n\n" + text
        return text + "\n\n" + "\n".join(tail)

    def surface(self, text: str) -> tuple[str, str]:
        rng = self.rng
        kind = rng.choice(
            ["curly_quotes", "straight_quotes", "strip_punct", "upper_title", "lower_all", "dashes_spaces"]
        )
        if kind == "curly_quotes":
            text = re.sub(r'"(\w)', "\u201c\\1", text)
            text = text.replace('"', "\u201d").replace("'", "\u2019")
        elif kind == "straight_quotes":
            text = (
                text.replace("\u201c", '"')
                .replace("\u201d", '"')
                .replace("\u2019", "'")
                .replace("\u2018", "'")
            )
            text = text.replace('"', "'")
        elif kind == "strip_punct":
            text = re.sub(r"[,;:]", lambda m: "" if rng.random() < 0.7 else m.group(0), text)
        elif kind == "upper_title":
            first, _, rest = text.partition("\n")
            text = first.upper() + "\n" + rest
        elif kind == "lower_all":
            text = text.lower()
        else:
            text = text.replace(" - ", " \u2014 ").replace(". ", ".  ")
        return text, kind


EDIT_BUCKETS = [(0.01, 0.05), (0.05, 0.10), (0.10, 0.20)]


def make_dup(ed: Editor, src_text: str) -> tuple[str, float, list[str]]:
    rng = ed.rng
    lo, hi = rng.choice(EDIT_BUCKETS)
    rate = round(rng.uniform(lo, hi), 4)
    paras = split_paragraphs(src_text)
    ops = []
    if rng.random() < 0.3:
        paras, k = ed.drop_sentences(paras)
        if k:
            ops.append(f"drop_sentences:{k}")
    if rng.random() < 0.2:
        paras = ed.reorder(paras)
        ops.append("reorder")
    paras = ed.word_edits(paras, rate)
    text = join_paragraphs(paras)
    if rng.random() < 0.2:
        text = ed.truncate(text)
        ops.append("truncate")
    if rng.random() < 0.4:
        text = ed.boilerplate(text)
        ops.append("boilerplate")
    if rng.random() < 0.5:
        text, kind = ed.surface(text)
        ops.append("surface:" + kind)
    return text, rate, ops


def make_background(
    rng: random.Random, by_cat: dict[str, list[list[str]]], cats: list[str], lengths: list[int]
) -> str:
    """Splice runs of 1-2 consecutive sentences (each <= 60 words) from >= 6
    different articles of one category, up to a real article's length."""
    cat = rng.choice(cats)
    pool = by_cat[cat]
    target = rng.choice(lengths)
    paras, n_words, used = [], 0, []
    while n_words < target or len(used) < 6:
        if len(used) >= len(pool):
            break  # only reachable with a tiny seed set (the BBC pools have hundreds of articles)
        a = rng.randrange(len(pool))
        if a in used:
            continue
        used.append(a)
        sents = pool[a]
        if len(sents) < 2:
            continue
        i = rng.randrange(1, len(sents))  # skip headline
        run = sents[i : i + rng.randint(1, 2)]
        if any(len(x.split()) > 60 for x in run):
            continue  # list-like pseudo-sentences would dominate the spliced doc
        paras.append(run)
        n_words += sum(len(s.split()) for s in run)
        if len(used) > 60 or len(used) >= len(pool):
            break
    if not paras:  # tiny seed set where every run was skipped: take a whole article
        paras = [pool[rng.randrange(len(pool))]]
    # group into paragraphs of 1-3 runs
    out, cur = [], []
    for r in paras:
        cur.extend(r)
        if rng.random() < 0.5:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return join_paragraphs(out)


def zipf_size(rng: random.Random, max_dups: int) -> int:
    # number of dups per cluster: 1..max_dups, P(k) ~ 1/k^1.3
    w = [1.0 / (k**1.3) for k in range(1, max_dups + 1)]
    return rng.choices(range(1, max_dups + 1), weights=w)[0]


def default_out(n: int) -> str:
    name = f"corpus_{n // 1000}k.jsonl" if n >= 1000 and n % 1000 == 0 else f"corpus_{n}.jsonl"
    return os.path.join(HERE, "data", name)


def truth_record(cid: str, kind: str, source=None, edit_rate=None, ops=None, jac=None) -> dict:
    return {
        "cluster": cid,
        "kind": kind,
        "source": source,
        "edit_rate": edit_rate,
        "ops": ops or [],
        "jaccard": jac,
    }


def build(args, seeds: list[dict]) -> tuple[list[list], int, list[int]]:
    """The documents in output order as [text, truth] pairs (a truth's `source` is a
    generation index), the number of clusters, and perm (output position -> generation index)."""
    rng = random.Random(args.seed)

    # sentence pools for splicing, vocabulary for substitutions
    by_cat: dict[str, list[list[str]]] = {}
    vocab_c: Counter = Counter()
    lengths = []
    for d in seeds:
        sents = [s for p in split_paragraphs(d["text"]) for s in p]
        by_cat.setdefault(d["cat"], []).append(sents)
        vocab_c.update(w for w in d["text"].split() if w.isalpha())
        lengths.append(len(d["text"].split()))
    cats = sorted(by_cat)
    vocab = [w for w, c in sorted(vocab_c.items(), key=lambda x: (-x[1], x[0])) if c >= 3]
    vocab = [w.lower() for w in vocab] or sorted({w.lower() for w in vocab_c})
    ed = Editor(rng, vocab)

    N = args.num_docs
    order = list(range(len(seeds)))
    rng.shuffle(order)

    docs: list[list] = []  # [text, truth]
    n_in_clusters_target = int(N * args.dup_frac)
    cluster = 0
    seed_ptr = 0
    n_cl_docs = 0
    while n_cl_docs < n_in_clusters_target:
        if seed_ptr < int(len(order) * args.bbc_source_frac):
            src_text = seeds[order[seed_ptr]]["text"]
            seed_ptr += 1
        else:
            src_text = make_background(rng, by_cat, cats, lengths)
        k = min(zipf_size(rng, args.max_dups), n_in_clusters_target - n_cl_docs - 1)
        k = max(k, 1)
        cid = f"c{cluster:06d}"
        src_idx = len(docs)
        docs.append([src_text, truth_record(cid, "source")])
        src_sh = shingle_set(src_text)
        for _ in range(k):
            t, rate, ops = make_dup(ed, src_text)
            jac = round(jaccard(src_sh, shingle_set(t)), 4)
            docs.append([t, truth_record(cid, "dup", src_idx, rate, ops, jac)])
        n_cl_docs += k + 1
        cluster += 1
    # untouched originals, then spliced background
    while len(docs) < N and seed_ptr < len(order):
        docs.append([seeds[order[seed_ptr]]["text"], truth_record(f"c{cluster:06d}", "single")])
        seed_ptr += 1
        cluster += 1
    while len(docs) < N:
        docs.append(
            [make_background(rng, by_cat, cats, lengths), truth_record(f"c{cluster:06d}", "background")]
        )
        cluster += 1
    # the permutation of document order draws from the same rng, after generation
    perm = list(range(min(N, len(docs))))
    rng.shuffle(perm)
    return [docs[i] for i in perm], cluster, perm


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--num-docs", type=int, default=20000)
    ap.add_argument(
        "--out", default=None, help="output JSONL (default benchmarks/data/corpus_<N/1000>k.jsonl)"
    )
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--bbc", default=DEFAULT_BBC, help="BBC News JSONL (default: %(default)s)")
    ap.add_argument(
        "--seed-text", nargs="*", default=[], help="plain-text seed files, used when the BBC file is absent"
    )
    ap.add_argument("--dup-frac", type=float, default=0.4, help="fraction of docs inside multi-doc clusters")
    ap.add_argument("--max-dups", type=int, default=8)
    ap.add_argument(
        "--bbc-source-frac",
        type=float,
        default=0.8,
        help="at most this fraction of real articles get near-duplicates; the rest stay singletons",
    )
    args = ap.parse_args(argv)
    if args.num_docs < 2:
        ap.error("-n must be at least 2")

    out = args.out or default_out(args.num_docs)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    base = out[:-6] if out.endswith(".jsonl") else out

    seeds, origin = load_seeds(args.bbc, args.seed_text)
    n_raw = len(seeds)
    seeds, n_dropped = dedupe_seeds(seeds)
    if not seeds:
        sys.exit("no usable seed article (each needs at least 34 words)")
    warning = None
    if len(seeds) < SMALL_SEED_SET:
        warning = (
            f"only {len(seeds)} seed articles: background docs are spliced from a small pool and overlap "
            "each other, so the ground truth is approximate -- use this corpus for smoke tests only"
        )
        print("warning: " + warning, file=sys.stderr)

    docs, n_clusters, perm = build(args, seeds)
    # ids in output order; dups point to their source by its new id
    new_pos = {old: new for new, old in enumerate(perm)}
    h_c, h_t = hashlib.sha256(), hashlib.sha256()
    with (
        open(base + ".jsonl", "w", encoding="utf-8") as fc,
        open(base + ".truth.jsonl", "w", encoding="utf-8") as ft,
    ):
        for pos, (text, tr) in enumerate(docs):
            did = f"d{pos:07d}"
            line = json.dumps({"id": did, "text": text}, ensure_ascii=False) + "\n"
            fc.write(line)
            h_c.update(line.encode())
            tr = dict(tr)
            tr["source"] = f"d{new_pos[tr['source']]:07d}" if tr["source"] is not None else None
            tline = json.dumps({"id": did, **tr}, ensure_ascii=False) + "\n"
            ft.write(tline)
            h_t.update(tline.encode())

    kinds = Counter(tr["kind"] for _, tr in docs)
    buckets: Counter = Counter()
    for _, tr in docs:
        if tr["kind"] == "dup":
            r = tr["edit_rate"]
            buckets["low(<=5%)" if r <= 0.05 else "mid(5-10%)" if r <= 0.10 else "high(10-20%)"] += 1
    meta = {
        "num_docs": len(docs),
        "seed": args.seed,
        "seed_text": origin,
        "seed_articles_raw": n_raw,
        "seed_articles_dropped_as_near_dups": n_dropped,
        "seed_articles_used": len(seeds),
        "clusters_total": n_clusters,
        "multi_doc_clusters": kinds.get("source", 0),
        "kinds": dict(sorted(kinds.items())),
        "dup_edit_buckets": dict(sorted(buckets.items())),
        "sha256_corpus": h_c.hexdigest(),
        "sha256_truth": h_t.hexdigest(),
        "warning": warning,
        "generator": "benchmarks/make_corpus.py",
        "args": vars(args),
    }
    with open(base + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    show = (
        "num_docs",
        "seed_text",
        "seed_articles_dropped_as_near_dups",
        "multi_doc_clusters",
        "kinds",
        "dup_edit_buckets",
        "sha256_corpus",
    )
    print(json.dumps({k: meta[k] for k in show}, indent=1))
    print(f"wrote {base}.jsonl, .truth.jsonl, .meta.json", file=sys.stderr)


if __name__ == "__main__":
    main()
