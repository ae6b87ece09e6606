"""Small generated corpora for the index, service and engine tests."""

from __future__ import annotations

import json
import random
from pathlib import Path


def _words(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    return [rng.choice(vocab) for _ in range(n)]


def make_corpus(n: int = 400, seed: int = 7) -> list[dict]:
    """Random-word articles plus exact copies, noisy copies, lifted passages, a stock passage
    shared by many documents (beyond the anchor df cap), share-line boilerplate, empty texts."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    stock = " ".join(_words(rng, vocab, 30))
    docs: list[dict] = []
    for i in range(n):
        r = rng.random()
        prev = docs[rng.randrange(len(docs))]["text"] if docs else ""
        if len(prev.split()) < 10:
            r = 0.9  # nothing to copy from: a fresh article
        if r < 0.08:
            text = prev.upper()  # exact after normalising
        elif r < 0.25:
            w = prev.split()
            for _ in range(max(1, len(w) // 20)):
                w[rng.randrange(len(w))] = rng.choice(vocab)
            text = " ".join(w[: int(len(w) * rng.uniform(0.7, 1.0))])
        elif r < 0.45:
            w = prev.split()
            s = rng.randrange(max(1, len(w) - 40))
            text = " ".join(_words(rng, vocab, 120) + w[s : s + 40] + _words(rng, vocab, 80))
        elif r < 0.55:
            text = " ".join(_words(rng, vocab, 100)) + ". " + stock + ". " + " ".join(_words(rng, vocab, 60))
        elif r < 0.57:
            text = "" if rng.random() < 0.5 else "!!! ..."
        else:
            text = " ".join(_words(rng, vocab, rng.randint(20, 300)))
        if rng.random() < 0.1:
            text += "\nShare this article"
        docs.append({"id": f"d{i:04d}", "text": text, "date": f"2024-01-{1 + i % 28:02d}"})
    return docs


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


VOCAB = [f"w{i}" for i in range(5000)]


def random_doc(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def edit(rng: random.Random, text: str, rate: float) -> str:
    out = []
    for w in text.split():
        r = rng.random()
        if r < rate / 2:
            out.append(rng.choice(VOCAB))
        elif r < rate * 3 / 4:
            continue
        elif r < rate:
            out.extend([w, rng.choice(VOCAB)])
        else:
            out.append(w)
    return " ".join(out)
