"""Language and script of a document: the rules that route the paraphrase tier."""

from __future__ import annotations

import json

import pytest

from retold.languages import language_of, script_of, tally

from .conftest import SHARED, seed_texts


def test_english_news_and_the_seed_articles_are_english():
    a, b = seed_texts()
    assert language_of(a) == language_of(b) == "en"
    assert language_of("The minister said on Monday that the talks had failed.") == "en"


def test_other_latin_script_languages_are_not_english():
    assert language_of("Der Minister sagte am Montag, dass die Gespräche gescheitert seien.") == "Latn"
    assert language_of("El ministro dijo el lunes que las conversaciones habían fracasado.") == "Latn"


def test_scripts_and_empty_text():
    assert script_of("") == script_of("12345 !!") == "Zyyy"
    assert language_of("") == "Zyyy"
    assert script_of("Москва") == "Cyrl" and language_of("Москва") == "Cyrl"
    assert language_of("한국어 문장입니다") == "ko"
    assert language_of("مرحبا بالعالم") == "ar"
    assert tally({1: "ur", 2: "en", 3: "ur"}) == {"ur": 2, "en": 1}


def test_real_text_in_ten_languages_and_urdu_news():
    d = SHARED / "data" / "mling"
    if not d.exists():
        pytest.skip(f"multilingual samples not found at {d}")
    expect = {"ar": "ar", "hi": "Deva", "ja": "ja", "km": "km", "ko": "ko", "lo": "lo", "my": "my", "ru": "Cyrl",
              "th": "th", "zh": "zh"}
    for lang, code in expect.items():
        docs = [json.loads(line) for line in open(d / f"{lang}.jsonl", encoding="utf-8")]
        got = [language_of(x["text"]) for x in docs]
        # a few Japanese help pages are mostly English UI names
        assert sum(g == code for g in got) >= 0.99 * len(got), (lang, set(got))
        assert "en" not in got or lang == "ja"
    counter = SHARED / "data" / "counter" / "counter_pairs.jsonl"
    if counter.exists():
        rows = [json.loads(line) for line in open(counter, encoding="utf-8")][:50]
        assert {language_of(r["source"]["text"]) for r in rows} == {"ur"}
