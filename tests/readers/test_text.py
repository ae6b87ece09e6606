"""Text files: one document a file, encodings, binary files, empty and huge texts (retold.readers.text)."""
from __future__ import annotations

import orjson

from tests.readers.common import read, write_jsonl


def test_single_txt_file_id_is_path_as_given(tmp_path):
    p = tmp_path / "one.txt"
    p.write_text("hello world\n", encoding="utf-8")
    unknown = tmp_path / "notes.weird"
    unknown.write_text("other", encoding="utf-8")
    docs, stats, _ = read([p, unknown])
    assert [(d.id, d.text, d.source, d.line) for d in docs] == [
        (str(p), "hello world\n", str(p), 0),
        (str(unknown), "other", str(unknown), 0),
    ]
    assert stats.files == 2


def test_utf8_bom_stripped_and_utf16_text_decoded(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfcaf\xc3\xa9")
    u16 = tmp_path / "u16.txt"
    u16.write_bytes("héllo wörld".encode("utf-16"))
    jl = tmp_path / "bom.jsonl"
    jl.write_bytes(b'\xef\xbb\xbf{"id": "x", "text": "t"}\n')
    docs, stats, _ = read([bom, u16, jl])
    assert [d.text for d in docs] == ["café", "héllo wörld", "t"]
    assert stats.skipped_total == 0 and stats.warnings_total == 0


def test_binary_file_skipped_with_message(tmp_path):
    nul = tmp_path / "image.txt"
    nul.write_bytes(b"GIF89a\x00\x01\x02" + bytes(range(256)) * 10)
    ctrl = tmp_path / "ctrl.dat"
    ctrl.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 100 + b"some text")
    ok = tmp_path / "ok.txt"
    ok.write_text("tabs\tand\nnewlines\r\n\f", encoding="utf-8")
    docs, stats, msgs = read([nul, ctrl, ok])
    assert [d.id for d in docs] == [str(ok)]
    assert stats.skipped["binary"] == 2
    assert any(m.startswith(f"{nul}: ") and "binary" in m for m in msgs)
    assert any(m.startswith(f"{ctrl}: ") and "binary" in m for m in msgs)


def test_invalid_utf8_replaced_and_warned(tmp_path):
    txt = tmp_path / "latin1.txt"
    txt.write_bytes("café olé".encode("latin-1"))
    jl = tmp_path / "bad.jsonl"
    jl.write_bytes(b'{"id": "ok", "text": "fine"}\n{"id": "bad", "text": "caf\xe9"}\n')
    docs, stats, msgs = read([txt, jl])
    assert [d.text for d in docs] == ["caf\ufffd ol\ufffd", "fine", "caf\ufffd"]
    assert stats.warnings == {"invalid_utf8": 2}
    assert stats.skipped_total == 0
    assert any(m.startswith(f"{txt}: ") and "UTF-8" in m for m in msgs)
    assert any(m.startswith(f"{jl}:2: ") and "UTF-8" in m for m in msgs)


def test_empty_and_whitespace_text_yielded_with_warning(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "empty.txt").write_bytes(b"")
    (tmp_path / "d" / "blank.txt").write_text("  \n\t ", encoding="utf-8")
    jl = write_jsonl(tmp_path / "e.jsonl", [{"id": "e", "text": ""}, {"id": "f", "text": "x"}])
    docs, stats, msgs = read([tmp_path / "d", jl])
    expected = [("blank.txt", "  \n\t "), ("empty.txt", ""), ("e", ""), ("f", "x")]
    assert [(d.id, d.text) for d in docs] == expected
    assert stats.warnings == {"empty": 3}
    assert any(m.startswith(f"{jl}:1: ") and "empty" in m for m in msgs)


def test_50mb_documents(tmp_path):
    size = 50 * 1024 * 1024
    chunk = "lorem ipsum dolor sit amet, ümlaut \n"
    text = (chunk * (size // len(chunk) + 1))[:size]
    big_txt = tmp_path / "big.txt"
    big_txt.write_text(text, encoding="utf-8")
    big_jsonl = tmp_path / "big.jsonl"
    with open(big_jsonl, "wb") as f:
        f.write(b'{"id": "small", "text": "s"}\n')
        f.write(orjson.dumps({"id": "big", "text": text}) + b"\n")
        f.write(b'{"id": "after", "text": "a"}\n')
    docs, stats, _ = read([big_txt, big_jsonl], keep_records=False)
    assert [d.id for d in docs] == [str(big_txt), "small", "big", "after"]
    assert len(docs[0].text) == size and docs[0].text == text
    assert len(docs[2].text) == size and docs[2].text == text
    assert stats.skipped_total == 0 and stats.warnings_total == 0
