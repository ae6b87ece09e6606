"""The HTML report's data and files: pairs joined to texts, families numbered as `clusters` does,
bad records skipped and counted, one file or a data folder, byte-identical reruns, the CLI."""
from __future__ import annotations

import json

import orjson
import pytest

import retold
from retold import Document
from retold.report import collect, read_pairs, write_report
from retold.report.data import fnv1a, search_words, word_index
from retold.report.html import chunks

from ..conftest import EXAMPLES

SEED_A, SEED_B = "000_f6d4d808b074041e.txt", "001_9f416579a8fdbabf.txt"


@pytest.fixture(scope="module")
def examples_result():
    return retold.find([EXAMPLES])


def _chunk_data(blob: bytes):
    return orjson.loads(blob)


def test_families_are_numbered_as_clusters_numbers_them(examples_result):
    res = examples_result
    data = collect(res.records(), retold.read_documents([EXAMPLES]))
    clusters = res.clusters("first", retold.KINDS)
    multi = {c.cluster: c.members for c in clusters if len(c.members) > 1}
    assert sorted(multi) == sorted(data.family_number)
    for f, n in enumerate(data.family_number):
        end = data.family_doc0[f + 1] if f + 1 < data.families else len(data.docs)
        assert [d.id for d in data.docs[data.family_doc0[f]:end]] == multi[n]
    # the seed pair is a paraphrase with passages of every kind, offsets inside both texts
    seed = [p for p in data.pairs if {data.docs[p.a].id, data.docs[p.b].id} == {SEED_A, SEED_B}]
    assert len(seed) == 1 and retold.KINDS[seed[0].kind] == "paraphrase"
    assert {q[4] for q in seed[0].passages} == {0, 1, 2}  # near_verbatim, verbatim, paraphrase
    # furniture of the seed's B side: the comment form and teasers, found by the single-page cues
    b = next(d for d in data.docs if d.id == SEED_B)
    assert any(b.text[s:e] == "Please enter your comment!" for s, e in b.boilerplate)
    assert data.overview["pairs_by_kind"] == {"exact": 1, "near_duplicate": 1, "partial": 0, "paraphrase": 1}
    assert data.overview["documents_read"] == 6 and data.overview["documents_related"] == 5


def test_word_counts_are_finds(examples_result):
    data = collect(examples_result.records(), retold.read_documents([EXAMPLES]))
    ids = examples_result.corpus.ids
    n_tokens = dict(zip(ids, examples_result.corpus.n_tokens.tolist()))
    # find counted the masked text of documents with furniture; the report counts the same
    assert {d.id: d.words for d in data.docs} == {d.id: n_tokens[d.id] for d in data.docs}


def test_bad_records_are_skipped_with_file_and_line(tmp_path):
    docs = [Document("a", "alpha beta gamma delta", "c", 1), Document("b", "alpha beta gamma delta", "c", 2),
            Document("c", "something else", "c", 3)]
    pairs = tmp_path / "pairs.jsonl"
    lines = [
        {"a": "a", "b": "b", "kind": "near_duplicate", "score": 0.9,
         "passages": [{"a_start": 0, "a_end": 10, "b_start": 0, "b_end": 10, "kind": "verbatim", "score": 1.0},
                      {"a_start": 5, "a_end": 500, "b_start": 0, "b_end": 3, "kind": "verbatim", "score": 1.0}]},
        "this is not json",
        {"a": "a", "b": "ghost", "kind": "partial", "score": 0.5},
        {"a": "b", "b": "a", "kind": "exact", "score": 1.0},
        {"a": "a", "b": "c", "kind": "copied", "score": 0.5},
        {"a": "a", "b": "c", "kind": "partial", "score": "high"},
    ]
    pairs.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    msgs: list[str] = []
    from collections import Counter

    skipped: Counter[str] = Counter()
    out = tmp_path / "r.html"
    r = write_report(read_pairs(pairs, msgs.append, skipped), docs, out, on_message=msgs.append)
    r.skipped.update(skipped)
    assert r.pairs == 1 and r.documents == 2 and r.documents_read == 3
    assert r.skipped == {"bad_json": 1, "bad_pair": 2, "bad_passage": 1, "duplicate_pair": 1, "missing_document": 1}
    assert f"{pairs}:2: not a JSON object (bad_json)" in msgs
    assert any(m.startswith(f"{pairs}:3: document 'ghost'") for m in msgs)
    assert any(m.startswith(f"{pairs}:1: passage skipped: offsets [5, 500)") for m in msgs)
    assert any(m.startswith(f"{pairs}:5: unknown kind 'copied'") for m in msgs)
    assert any(m.startswith(f"{pairs}:6: score is not a number") for m in msgs)
    assert out.stat().st_size > 0


def test_same_input_same_bytes_and_split_folder(tmp_path, examples_result):
    def write(name: str, split: bool | None):
        return write_report(examples_result.records(), retold.read_documents([EXAMPLES]), tmp_path / name, split=split)

    one = write("one.html", None)
    write("again.html", None)
    assert one.folder is None and one.files == 1
    assert (tmp_path / "one.html").read_bytes() == (tmp_path / "again.html").read_bytes()
    # forced split: the page holds no text, the chunks do; stale chunks go, other files stay
    folder = tmp_path / "split_files"
    folder.mkdir()
    (folder / "p99.js").write_text("stale")
    (folder / "notes.txt").write_text("mine")
    sp = write("split.html", True)
    assert sp.folder == str(folder)
    names = sorted(p.name for p in folder.iterdir())
    assert "p99.js" not in names and "notes.txt" in names
    assert {"fam.js", "d0.js", "p0.js", "h0.js", "n0.js", "w0.js"} <= set(names)
    page = (tmp_path / "split.html").read_text()
    assert "Kim Jong-un" not in page and "Kim Jong-un" in (folder / "d0.js").read_text()
    assert sp.files == len(names)  # notes.txt not written by us, but the page is counted: same number


def test_inline_data_cannot_close_its_script_element(tmp_path):
    evil = "Breaking: </script><script>alert(1)</script> <!-- and more words to share here"
    docs = [Document("x</script>", evil, "c", 1), Document("y", evil, "c", 2)]
    out = tmp_path / "r.html"
    write_report([{"a": "x</script>", "b": "y", "kind": "exact", "score": 1.0}], docs, out)
    page = out.read_text()
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        n = 0

        def handle_starttag(self, tag, attrs):
            self.n += tag == "script"

    parser = Scripts()
    parser.feed(page)
    # the metadata, one element per chunk, the program: the texts opened none of their own
    assert parser.n == 2 + len(chunks(collect([{"a": "x</script>", "b": "y", "kind": "exact", "score": 1.0}],
                                              docs))[1])
    assert "alert(1)</script>" not in page


def test_chunk_layout_and_search_index(examples_result):
    data = collect(examples_result.records(), retold.read_documents([EXAMPLES]))
    layout, named = chunks(data)
    assert layout["shards"]["d"] == [0] and layout["shards"]["h"] == 1
    ids = _chunk_data(named["h0"])
    assert sorted(ids.values()) == list(range(len(data.docs)))
    index, common = word_index(data)
    seed_family = next(d.family for d in data.docs if d.id == SEED_A)
    assert index["pyongyang"].tolist() == [seed_family]
    assert index["harbour"].tolist() == [1 - seed_family] and common == []
    words = _chunk_data(named[f"w{fnv1a('pyongyang') % layout['shards']['w']}"])
    assert words["pyongyang"] == [seed_family]
    assert search_words("wire/harbour-mirror") == ["wire", "harbour", "mirror"]
