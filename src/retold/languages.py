"""Which language (or at least which script) a document is written in: cheap, deterministic rules.

The paraphrase tier uses this to run each kind of evidence only where it serves: the English
sentence model (MiniLM and the static model distilled from it) only on English documents, the
lexical evidence elsewhere. Identification works on a prefix of the text, in two steps:

1. **Script**, from Unicode blocks: the letters of the prefix are counted per script and the
   most frequent one wins (:func:`script_of`).
2. **Language**, where the script alone does not tell it: Latin text is English when English
   function words (``the``, ``of``, ``and``, ...) make up at least :data:`MIN_ENGLISH` of its
   words (news in other Latin-script languages has almost none of them); Arabic script is Urdu
   when the letters only Urdu uses (``ٹ ڈ ڑ ں ے``) are there, Persian when the letters Persian
   adds to Arabic are, else Arabic; Han characters with kana are Japanese. Other scripts map to
   their main language (Thai, Lao, Khmer, Burmese, Korean, Greek, Hebrew, Armenian, Georgian)
   or stay a script tag (``Cyrl``, ``Deva``, ``Latn``: several languages share them).

A statistical identifier (``py3langid``, about 460 documents/s here) would name more Latin and
Cyrillic languages, but the tier only needs "English or not", which the function words decide
at a fraction of the cost.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np

PREFIX = 4000  # characters looked at
MIN_ENGLISH = 0.12  # share of English function words among the words of a Latin-script text

# (first, last, script) for the letters that decide; anything else is not counted
_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "Latn"), (0x0061, 0x007A, "Latn"), (0x00C0, 0x024F, "Latn"), (0x1E00, 0x1EFF, "Latn"),
    (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"), (0x0530, 0x058F, "Armn"), (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"),
    (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"), (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0D00, 0x0D7F, "Mlym"), (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"), (0x10A0, 0x10FF, "Geor"), (0x1000, 0x109F, "Mymr"), (0xAA60, 0xAA7F, "Mymr"),
    (0x1780, 0x17FF, "Khmr"), (0x19E0, 0x19FF, "Khmr"), (0x1100, 0x11FF, "Hang"), (0xAC00, 0xD7AF, "Hang"),
    (0x3130, 0x318F, "Hang"), (0x3040, 0x30FF, "Kana"), (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"),
    (0xF900, 0xFAFF, "Hani"),
)
#: the language of scripts that (nearly) one language writes
_SCRIPT_LANGUAGE = {"Thai": "th", "Laoo": "lo", "Khmr": "km", "Mymr": "my", "Hang": "ko", "Grek": "el", "Hebr": "he",
                    "Armn": "hy", "Geor": "ka", "Beng": "bn", "Guru": "pa", "Gujr": "gu", "Taml": "ta", "Telu": "te",
                    "Mlym": "ml"}
_URDU_LETTERS = set("\u0679\u0688\u0691\u06ba\u06d2\u06c1")  # ٹ ڈ ڑ ں ے ہ
_PERSIAN_LETTERS = set("\u067e\u0686\u0698\u06af\u06cc\u06a9")  # پ چ ژ گ ی ک (Urdu has them too)
_ENGLISH = frozenset([
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "was", "on", "with", "as", "by", "at",
    "be", "from", "this", "have", "are", "has", "his", "not", "but", "an", "they", "which", "were", "said",
    "been", "their", "will", "would", "who", "had", "its", "or", "after", "he", "she", "more", "when",
])
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")


@lru_cache(maxsize=1)
def _script_table() -> tuple[np.ndarray, list[str]]:
    names = sorted({s for _, _, s in _BLOCKS})
    table = np.zeros(0x10000, dtype=np.uint8)  # 0: not a deciding letter
    for lo, hi, s in _BLOCKS:
        table[lo : hi + 1] = names.index(s) + 1
    return table, names


def script_of(text: str) -> str:
    """The script most letters of the text's prefix are written in (ISO 15924 tag), or ``Zyyy``
    when it has none of the listed letters (digits, symbols, an empty text).

    >>> script_of("Kim denied it."), script_of("ภาษาไทย"), script_of("پاکستان جیت گیا"), script_of("2024")
    ('Latn', 'Thai', 'Arab', 'Zyyy')
    """
    table, names = _script_table()
    cps = np.frombuffer(text[:PREFIX].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cps = cps[cps < 0x10000]
    counts = np.bincount(table[cps], minlength=len(names) + 1)
    counts[0] = 0
    if not counts.any():
        return "Zyyy"
    return names[int(np.argmax(counts)) - 1]


def language_of(text: str) -> str:
    """The language of a text (ISO 639-1) where cheap rules tell it, else its script tag.

    >>> language_of("The minister said on Monday that the talks had failed.")
    'en'
    >>> language_of("Le ministre a déclaré lundi que les négociations avaient échoué.")
    'Latn'
    >>> language_of("پاکستان نے میچ جیت لیا۔"), language_of("東京で会議が開かれた。"), language_of("北京举行会议。")
    ('ur', 'ja', 'zh')
    """
    script = script_of(text)
    head = text[:PREFIX]
    if script == "Latn":
        words = _WORD.findall(head.lower())
        english = sum(w in _ENGLISH for w in words)
        return "en" if words and english >= MIN_ENGLISH * len(words) else "Latn"
    if script == "Arab":
        letters = set(head)
        if letters & _URDU_LETTERS:
            return "ur"
        return "fa" if letters & _PERSIAN_LETTERS else "ar"
    if script in ("Hani", "Kana"):
        return "ja" if re.search("[\u3040-\u30ff]", head) else "zh"
    return _SCRIPT_LANGUAGE.get(script, script)


def languages(texts: dict[int, str]) -> dict[int, str]:
    """:func:`language_of` for each of some documents (by document number)."""
    return {d: language_of(t) for d, t in texts.items()}


def tally(langs: dict[int, str]) -> dict[str, int]:
    """Documents per language, most frequent first (ties by name).

    >>> tally({0: "en", 1: "ur", 2: "en"})
    {'en': 2, 'ur': 1}
    """
    return dict(sorted(Counter(langs.values()).items(), key=lambda kv: (-kv[1], kv[0])))
