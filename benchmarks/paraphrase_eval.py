#!/usr/bin/env python3
"""Evaluate paraphrase detection (sentences, alignment, documents) and print one JSON object.

usage:
  paraphrase_eval.py [--embedder minilm|lexical|both] [--shared PATH] [--cache DIR] [--counter-limit N]
  paraphrase_eval.py --tune [--cache DIR]     fit the similarity coefficients on MSRP *train* only

Sections of the output:
- ``seed``: the two seed articles: which of the 10 hand-identified rewritten/copied sentence pairs
  are aligned, and the share of aligned characters outside them.
- ``msrp``: sentence-pair accuracy and F1 at the default threshold, on train (fitted there) and test.
- ``documents``: stories built from MSRP *train* paraphrase pairs (one side per document, sentences
  dropped and inserted, as benchmarks of ``shared/bench/reuse`` do), all of them and the low-overlap
  subset (every pair's word 3-gram containment < 0.3), against ECB+ same-event independent
  articles: recall, precision, and same-event pairs reported, both when every pair is aligned
  and through the corpus candidate generator.
- ``counter``: how the document decision labels COUNTER's wholly / partially / non-derived pairs.
- ``speed``: sentences split per second, sentences embedded per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from retold.paraphrase import (  # noqa: E402
    ParaphraseOptions,
    align_sentences,
    compare_prepared,
    prepare,
)
from retold.semantic import (  # noqa: E402
    LEXICAL_MODEL,
    MINILM_MODEL,
    EmbeddingCache,
    LexicalEmbedder,
    MiniLMEmbedder,
    SimilarityModel,
    pair_features,
    sentence_features,
)
from retold.sentences import split_sentences  # noqa: E402

SEED_A = "000_f6d4d808b074041e.txt"
SEED_B = "001_9f416579a8fdbabf.txt"
# the 10 rewritten or copied sentence pairs, by sentence start (first words): A sentence -> B sentence
SEED_GOLD = [
    ("North Korea\u2019s Kim Jong-un has reportedly", "\u2018Too insane for us\u2019"),
    ("The allegation comes as Russia", "The allegation comes as the Russian"),
    ("Reports have emerged showing Russia has lost", "Reports have emerged showing Russia has lost"),
    ("Russia has allegedly asked China", "Already Russia is alleged"),
    ("But China has refuted", "However, China has vehemently denied"),
    ("Russia calling on North Korea", "With North Korea being a key ally"),
    ("Kim was quick to deny", "According to Sarah Hurst"),
    ("Posting on Twitter", "Writing on Twitter"),
    ("\u201cNorth Korea responded", "\u201cNorth Korea responded"),
    ("Reports of this nature", "This has not been verified"),
]
# B's "Reports have emerged ..." sentence joins A's next one ("The position has forced Moscow ...")
SEED_ALSO = [("The position has forced Moscow", "Reports have emerged showing Russia has lost")]


def words3(t: str) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", t.lower())
    return {tuple(w[i : i + 3]) for i in range(len(w) - 2)}


def words5(t: str) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", t.lower())
    return {tuple(w[i : i + 5]) for i in range(len(w) - 4)}


def hard(m: dict) -> bool:
    """MSRP pair that shares little wording: word 3-gram containment < 0.3."""
    a, b = words3(m["text1"]), words3(m["text2"])
    return len(a & b) / max(1, min(len(a), len(b))) < 0.3


def make_embedder(name: str):
    return MiniLMEmbedder() if name == "minilm" else LexicalEmbedder()


def cached_features(texts: list[str], cache: EmbeddingCache, store: Path | None, tag: str):
    """Sentence features; MiniLM embeddings of a fixed list are kept in ``store`` between runs."""
    if store is not None and cache.embedder.semantic:
        f = store / f"{tag}.npy"
        if f.exists():
            return dataclasses.replace(sentence_features(texts, None), emb=np.load(f))
        feats = sentence_features(texts, cache)
        store.mkdir(parents=True, exist_ok=True)
        np.save(f, feats.emb)
        return feats
    return sentence_features(texts, cache)


# ---------------------------------------------------------------------------------------------
# MSRP: fit and score


def msrp_features(rows: list[dict], cache: EmbeddingCache, store: Path | None, tag: str) -> np.ndarray:
    fa = cached_features([r["text1"] for r in rows], cache, store, f"msrp_{tag}_a")
    fb = cached_features([r["text2"] for r in rows], cache, store, f"msrp_{tag}_b")
    out = []
    # pairwise diagonal only: compute in chunks to keep the matrices small
    for s in range(0, len(rows), 512):
        stop = min(s + 512, len(rows))
        x = pair_features(fa.rows(s, stop), fb.rows(s, stop))
        out.append(np.stack([np.diag(x[k]) for k in ("cos", "lex", "num", "len")], axis=1))
    return np.concatenate(out).astype(np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 50) -> np.ndarray:
    """Newton-Raphson logistic regression; returns [bias, w...]."""
    xb = np.hstack([np.ones((x.shape[0], 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-xb @ w))
        g = xb.T @ (p - y) + l2 * w
        h = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def probs(model: SimilarityModel, x: np.ndarray) -> np.ndarray:
    z = model.bias + model.w_cos * x[:, 0] + model.w_lex * x[:, 1] + model.w_num * x[:, 2] + model.w_len * x[:, 3]
    return 1 / (1 + np.exp(-z))


def acc_f1(pred: np.ndarray, y: np.ndarray) -> dict:
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    prec = tp / max(1, tp + fp)
    rec = tp / max(1, tp + fn)
    return {"accuracy": round(float((pred == y).mean()), 4), "f1": round(2 * prec * rec / max(1e-9, prec + rec), 4),
            "precision": round(prec, 4), "recall": round(rec, 4)}


def load_msrp(shared: Path, split: str) -> list[dict]:
    return [json.loads(line) for line in open(shared / "data" / "msrp" / f"msrp_{split}.jsonl", encoding="utf-8")]


def tune(shared: Path, store: Path | None) -> dict:
    """Fit both coefficient sets on MSRP train; the threshold maximises train accuracy."""
    train = load_msrp(shared, "train")
    y = np.array([r["label"] for r in train], dtype=np.float64)
    out = {}
    for name in ("minilm", "lexical"):
        cache = EmbeddingCache(make_embedder(name))
        x = msrp_features(train, cache, store, "train")
        w = fit_logistic(x, y)
        model = SimilarityModel(*[round(float(v), 3) for v in w], threshold=0.5)
        p = probs(model, x)
        grid = np.round(np.arange(0.2, 0.81, 0.01), 2)
        accs = [((p >= t) == y).mean() for t in grid]
        best = float(grid[int(np.argmax(accs))])
        out[name] = {"bias": model.bias, "w_cos": model.w_cos, "w_lex": model.w_lex, "w_num": model.w_num,
                     "w_len": model.w_len, "threshold": best, "train_accuracy": round(float(max(accs)), 4),
                     "cosine_only_best_train_accuracy": round(float(max(((x[:, 0] >= t) == y).mean()
                                                                        for t in np.arange(0.3, 0.95, 0.01))), 4)}
    return out


def eval_msrp(shared: Path, cache: EmbeddingCache, model: SimilarityModel, store: Path | None) -> dict:
    res = {}
    for split in ("train", "test"):
        rows = load_msrp(shared, split)
        y = np.array([r["label"] for r in rows])
        x = msrp_features(rows, cache, store, split)
        res[split] = acc_f1((probs(model, x) >= model.threshold).astype(int), y)
        # cosine alone at the threshold that is best on train (the published MiniLM-cosine bar)
        if split == "train":
            grid = np.arange(0.3, 0.95, 0.01)
            t_cos = float(grid[int(np.argmax([((x[:, 0] >= t) == y).mean() for t in grid]))])
        res[split + "_cosine_only"] = acc_f1((x[:, 0] >= t_cos).astype(int), y)
    res["cosine_only_threshold"] = round(t_cos, 2)
    res["threshold"] = model.threshold
    return res


# ---------------------------------------------------------------------------------------------
# seed pair


def eval_seed(examples: Path, cache: EmbeddingCache, options: ParaphraseOptions | None = None) -> dict:
    a = (examples / SEED_A).read_text(encoding="utf-8")
    b = (examples / SEED_B).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    units = align_sentences(a, b, cache, options)
    dt = time.perf_counter() - t0
    gold = [(a.index(x), b.index(y)) for x, y in SEED_GOLD]
    also = {(a.index(x), b.index(y)) for x, y in SEED_ALSO}
    sa, sb = split_sentences(a), split_sentences(b)
    start_a = {s: k for k, (s, _) in enumerate(sa)}
    start_b = {s: k for k, (s, _) in enumerate(sb)}
    gold_idx = {(start_a[x], start_b[y]) for x, y in gold}
    ok_idx = gold_idx | {(start_a[x], start_b[y]) for x, y in also}
    found = set()
    wrong_chars = total_chars = 0
    listing = []
    for u in units:
        cells = {(i, j) for i in range(u.a_first, u.a_last + 1) for j in range(u.b_first, u.b_last + 1)}
        found |= cells & gold_idx
        for i, j in cells:
            n = (sa[i][1] - sa[i][0]) + (sb[j][1] - sb[j][0])
            total_chars += n
            if (i, j) not in ok_idx:
                wrong_chars += n
        listing.append({"a": a[u.a_start:u.a_end][:70], "b": b[u.b_start:u.b_end][:70], "score": round(u.score, 3),
                        "correct": bool(cells <= ok_idx)})
    return {"gold_pairs": len(gold_idx), "gold_aligned": len(found), "aligned_units": len(units),
            "wrong_aligned_share": round(wrong_chars / max(1, total_chars), 3), "seconds": round(dt, 2),
            "units": listing}


# ---------------------------------------------------------------------------------------------
# documents: MSRP stories vs ECB+ same-event articles


def build_stories(shared: Path, n_stories: int, only_hard: bool, seed: int) -> list[tuple[str, str]]:
    """Stories of MSRP train paraphrases, one side per document, sentences dropped and inserted."""
    rng = random.Random(seed)
    msrp = load_msrp(shared, "train")
    pos = [m for m in msrp if m["label"] == 1 and (hard(m) or not only_hard)]
    neg = [m for m in msrp if m["label"] == 0]
    rng.shuffle(pos)
    rng.shuffle(neg)
    fillers = iter(neg)
    out, k = [], 0
    for _ in range(n_stories):
        n = rng.randint(5, 8)
        story = pos[k : k + n]
        k += n
        if len(story) < n:
            break
        a = [m["text1"] for m in story]
        b = [m["text2"] for m in story]
        for _ in range(rng.randint(0, 2)):
            del b[rng.randrange(len(b))]
        for _ in range(rng.randint(1, 2)):
            f = next(fillers)
            b.insert(rng.randrange(len(b) + 1), f["text2"])
            a.insert(rng.randrange(len(a) + 1), f["text1"])
        out.append((" ".join(a), " ".join(b)))
    return out


def ecb_pairs(shared: Path) -> tuple[list[dict], list[tuple[int, int]], list[tuple[int, int]]]:
    """ECB+ docs, same-event pairs with almost no shared 5-grams (independent: must not be reported)
    and those with more overlap (may hold wire copy: allowed either way)."""
    docs = [json.loads(line) for line in open(shared / "data" / "ecbplus" / "ecbplus_docs.jsonl", encoding="utf-8")]
    by_event: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        by_event.setdefault(d["subtopic"], []).append(i)
    five = [words5(d["text"]) for d in docs]
    indep, allowed = [], []
    for ids in by_event.values():
        for x, y in itertools.combinations(sorted(ids), 2):
            c = len(five[x] & five[y])
            m = max(c / len(five[x]) if five[x] else 0, c / len(five[y]) if five[y] else 0)
            (allowed if m >= 0.03 else indep).append((x, y))
    return docs, indep, allowed


def eval_documents(shared: Path, cache: EmbeddingCache, model: SimilarityModel,
                   options: ParaphraseOptions | None, n_stories: int = 150) -> dict:
    res: dict = {}
    docs, indep, allowed = ecb_pairs(shared)
    t0 = time.perf_counter()
    ecb_prep = [prepare(d["text"], cache) for d in docs]
    t_ecb = time.perf_counter() - t0
    decided = [compare_prepared(ecb_prep[x], ecb_prep[y], model, options) for x, y in indep]
    fp = [(docs[x]["id"], docs[y]["id"]) for (x, y), r in zip(indep, decided) if r.paraphrase]
    odd = sum(docs[x]["topic"] % 2 == 1 for (x, _), r in zip(indep, decided) if r.paraphrase)
    res["ecb_same_event_independent"] = {"pairs": len(indep), "reported_paraphrase": len(fp),
                                         "reported_in_odd_topics": odd, "examples": fp[:5],
                                         "max_coverage": round(max((max(r.score.coverage_a, r.score.coverage_b)
                                                                    for r in decided), default=0), 3)}
    res["ecb_sentences_per_second"] = round(sum(len(p) for p in ecb_prep) / t_ecb, 1)
    corpus_texts = [d["text"] for d in docs]
    truth: set[tuple[int, int]] = set()
    subsets: dict[str, list[tuple[int, int]]] = {}
    for label, only_hard in (("low_overlap", True), ("all", False)):
        stories = build_stories(shared, n_stories, only_hard, seed=20240611 + only_hard)
        rows = []
        recall_hits = 0
        for sa, sb in stories:
            da, db = prepare(sa, cache), prepare(sb, cache)
            r = compare_prepared(da, db, model, options)
            recall_hits += r.paraphrase
            rows.append(r)
            i = len(corpus_texts)
            corpus_texts += [sa, sb]
            truth.add((i, i + 1))
            subsets.setdefault(label, []).append((i, i + 1))
        res[f"stories_{label}"] = {"stories": len(stories),
                                   "recall_aligned_directly": round(recall_hits / len(stories), 4),
                                   "mean_coverage_short": round(float(np.mean(
                                       [max(r.score.coverage_a, r.score.coverage_b) for r in rows])), 3)}
    # the corpus path, as find runs it: content-word candidates, the lexical screen, the model
    t0 = time.perf_counter()
    from retold.fingerprints import fingerprint_batch
    from retold.paraphrase import align_candidates, term_candidates

    fp = fingerprint_batch(corpus_texts, terms=True)
    ca, cb, _ = term_candidates(fp.terms, fp.term_offsets, options=options)
    stats: dict[str, int] = {}
    found = align_candidates(lambda d: corpus_texts[d], list(zip(ca.tolist(), cb.tolist())), cache, options,
                             stats=stats)
    reported = {(i, j) for i, j, _ in found}
    dt = time.perf_counter() - t0
    indep_set, allowed_set = set(indep), set(allowed)
    tp = len(reported & truth)
    judged = {p for p in reported if p not in allowed_set}
    res["corpus"] = {
        "documents": len(corpus_texts), "candidate_pairs": int(ca.shape[0]),
        "all_pairs": len(corpus_texts) * (len(corpus_texts) - 1) // 2,
        "candidate_recall": round(len(truth & set(zip(ca.tolist(), cb.tolist()))) / len(truth), 4),
        "recall_low_overlap": round(len(reported & set(subsets["low_overlap"])) / len(subsets["low_overlap"]), 4),
        "recall_all": round(len(reported & set(subsets["all"])) / len(subsets["all"]), 4),
        "precision": round(tp / max(1, len(judged)), 4), "reported": len(reported),
        "reported_ecb_same_event_independent": len(reported & indep_set),
        "reported_ecb_allowed_overlap": len(reported & allowed_set),
        "stages": stats, "seconds_after_embedding_cache": round(dt, 2),
    }
    return res


# ---------------------------------------------------------------------------------------------
# COUNTER (Urdu), evaluation only


def eval_counter(shared: Path, cache: EmbeddingCache, model: SimilarityModel, options: ParaphraseOptions | None,
                 limit: int | None) -> dict:
    rows = [json.loads(line) for line in open(shared / "data" / "counter" / "counter_pairs.jsonl", encoding="utf-8")]
    if limit:
        rows = rows[:limit]
    table: dict[str, dict] = {}
    for r in rows:
        res = compare_prepared(prepare(r["source"]["text"], cache), prepare(r["derived"]["text"], cache), model,
                               options)
        t = table.setdefault(r["label"], {"pairs": 0, "paraphrase": 0, "coverage_derived": []})
        t["pairs"] += 1
        t["paraphrase"] += res.paraphrase
        t["coverage_derived"].append(res.score.coverage_b)
    for t in table.values():
        t["share_paraphrase"] = round(t["paraphrase"] / t["pairs"], 3)
        t["mean_coverage_derived"] = round(float(np.mean(t.pop("coverage_derived"))), 3)
    return table


# ---------------------------------------------------------------------------------------------
# speed


def eval_speed(shared: Path, cache_name: str) -> dict:
    bbc = [json.loads(line)["text"] for line in open(shared / "data" / "bbc" / "bbc.jsonl", encoding="utf-8")]
    t0 = time.perf_counter()
    n = sum(len(split_sentences(t)) for t in bbc)
    split_rate = n / (time.perf_counter() - t0)
    sents = [t[s:e] for t in bbc[:60] for s, e in split_sentences(t)][:1000]
    out = {"split_sentences_per_second": round(split_rate), "bbc_sentences": n}
    emb = make_embedder(cache_name)
    emb.encode(sents[:8])  # load the model outside the timing
    t0 = time.perf_counter()
    emb.encode(sents)
    out[f"{cache_name}_embedded_sentences_per_second"] = round(len(sents) / (time.perf_counter() - t0), 1)
    every = [t[s:e] for t in bbc for s, e in split_sentences(t)]
    sentence_features(every[:10], None)  # load the compiled kernel outside the timing
    t0 = time.perf_counter()
    sentence_features(every, None)
    out["lexical_features_sentences_per_second"] = round(len(every) / (time.perf_counter() - t0), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("RETOLD_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--embedder", default="minilm", choices=["minilm", "lexical"])
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--cache", default=None, help="folder to keep MSRP embeddings between runs")
    ap.add_argument("--counter-limit", type=int, default=None)
    ap.add_argument("--stories", type=int, default=150)
    ap.add_argument("--skip", default="", help="comma list of sections to skip")
    ap.add_argument("--align-threshold", type=float, default=None, help="override ParaphraseOptions.threshold")
    args = ap.parse_args()
    shared = Path(args.shared)
    store = Path(args.cache) if args.cache else None
    if args.tune:
        print(json.dumps(tune(shared, store), indent=1))
        return
    skip = set(args.skip.split(",")) - {""}
    cache = EmbeddingCache(make_embedder(args.embedder))
    model = MINILM_MODEL if args.embedder == "minilm" else LEXICAL_MODEL
    options = ParaphraseOptions()
    if args.align_threshold is not None:
        options = dataclasses.replace(options, threshold=args.align_threshold)
    out: dict = {"embedder": args.embedder, "model": {"threshold": model.threshold}, "options": {
        k: getattr(options, k) for k in options.__slots__}}
    t_all = time.perf_counter()
    if "seed" not in skip:
        out["seed"] = eval_seed(ROOT / "examples", cache, options)
    if "msrp" not in skip:
        out["msrp"] = eval_msrp(shared, cache, model, store)
    if "documents" not in skip:
        out["documents"] = eval_documents(shared, cache, model, options, args.stories)
    if "counter" not in skip:
        out["counter"] = eval_counter(shared, cache, model, options, args.counter_limit)
    if "speed" not in skip:
        out["speed"] = eval_speed(shared, args.embedder)
    out["embedding_cache"] = {"sentences": len(cache), "hits": cache.hits, "misses": cache.misses}
    out["seconds"] = round(time.perf_counter() - t_all, 1)
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
