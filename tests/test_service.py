"""The HTTP service, for real: uvicorn on 127.0.0.1 (a free port, in a thread) and httpx."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")

import typer  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import retold  # noqa: E402
from retold.cli.index import register  # noqa: E402
from retold.engine.incremental import Index  # noqa: E402
from retold.engine.index_storage import IndexError_  # noqa: E402
from retold.service import create_app  # noqa: E402
from tests.corpora import make_corpus, write_jsonl  # noqa: E402
from tests.faults import FULL, child_limit, clobber, free_port, indexed, serving_client, small_disk  # noqa: E402

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real uvicorn server in a background thread."""

    def __init__(self, app):
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        return self.client

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture()
def docs() -> list[dict]:
    return make_corpus(150, seed=21)


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[httpx.Client]:
    with Server(create_app(str(tmp_path / "svc.retold"), token=TOKEN, max_body_bytes=200_000)) as c:
        yield c


def test_auth_and_errors(client: httpx.Client) -> None:
    assert client.get("/health").json()["status"] == "ok"
    doc = {"id": "world/001", "text": "Some words of a short article about the harbour and its ships."}
    assert client.post("/documents", json=doc).status_code == 401
    assert client.post("/documents", json=doc, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/documents", json=doc, headers={"Authorization": TOKEN}).status_code == 401
    r = client.post("/documents", json=doc, headers=AUTH)
    assert r.status_code == 200 and r.json()["added"] == 1
    r = client.post("/documents", json={"documents": [doc, {"id": "b", "text": "other"}]}, headers=AUTH)
    assert (r.json()["added"], r.json()["skipped_ids"]) == (1, ["world/001"])
    got = client.get("/documents/world/001")
    assert got.status_code == 200 and got.json()["text"] == doc["text"] and got.json()["index"] == 0
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/documents/nope/matches").status_code == 404
    assert client.get("/clusters/nope").status_code == 404
    assert client.get("/documents/world/001/matches", params={"kinds": "bogus"}).status_code == 422
    # wrong types, malformed JSON, missing fields
    for body in ({"id": 5, "text": "x"}, {"id": "x", "text": ["a"]}, {"id": "", "text": "x"}, [1, 2], {}):
        assert client.post("/documents", json=body, headers=AUTH).status_code == 422, body
    as_json = {**AUTH, "Content-Type": "application/json"}
    bad = client.post("/documents", content=b'{"id": "x", "text": ', headers=as_json)
    assert bad.status_code == 422
    assert client.post("/query", json={"text": 3}).status_code == 422
    assert client.post("/query", json={"text": "x", "kinds": ["weird"]}).status_code == 422
    # oversized bodies: declared length and chunked
    big = {"id": "big", "text": "word " * 60_000}
    assert client.post("/documents", json=big, headers=AUTH).status_code == 413

    def chunks() -> Iterator[bytes]:
        yield b'{"id": "big2", "text": "'
        for _ in range(100):
            yield b"word " * 1000
        yield b'"}'

    r = client.post("/documents", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413
    assert client.get("/documents/big").status_code == 404
    # lone surrogates: refused by the JSON parser with 422, never a 500
    r = client.post("/documents", content=b'{"id": "s\\ud800", "text": "a \\udc00 b c d"}', headers=as_json)
    assert r.status_code == 422
    assert client.get("/openapi.json").json()["paths"]["/query"]


def test_query_returns_find_records(client: httpx.Client, docs: list[dict], tmp_path: Path) -> None:
    r = client.post("/documents", json={"documents": docs}, headers=AUTH)
    assert r.status_code == 200 and r.json()["documents"] == len(docs)
    base = docs[3]["text"].split()
    q = {"id": "q", "text": "A new opening line for this story. " + " ".join(base[:60]) + " and a new ending."}
    got = client.post("/query", json=q).json()["pairs"]
    corpus = write_jsonl(tmp_path / "c.jsonl", docs + [q])
    want = [p.to_dict() for p in retold.find([corpus]).records() if "q" in (p.a, p.b)]
    assert got == want and got
    assert any(p.get("passages") for p in got)
    m = client.get(f"/documents/{docs[3]['id']}/matches").json()["pairs"]
    res = retold.find([write_jsonl(tmp_path / "d.jsonl", docs)])
    want_m = [p.to_dict() for p in res.records() if docs[3]["id"] in (p.a, p.b)]
    assert m == want_m
    fam = client.get(f"/clusters/{docs[3]['id']}").json()
    assert docs[3]["id"] in fam["members"]


def test_queries_answered_while_adding(client: httpx.Client, docs: list[dict]) -> None:
    client.post("/documents", json={"documents": docs[:50]}, headers=AUTH)
    more = make_corpus(600, seed=99)
    for d in more:
        d["id"] = "new-" + d["id"]
    stop = threading.Event()
    statuses: list[int] = []

    def reader() -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as c:
            while not stop.is_set():
                statuses.append(c.post("/query", json={"text": docs[1]["text"]}).status_code)
                statuses.append(c.get(f"/documents/{docs[2]['id']}/matches").status_code)

    with ThreadPoolExecutor(2) as pool:
        futs = [pool.submit(reader) for _ in range(2)]
        for s in range(0, len(more), 50):
            r = client.post("/documents", json={"documents": more[s : s + 50]}, headers=AUTH)
            assert r.status_code == 200
        stop.set()
        for f in futs:
            f.result()
    assert len(statuses) > 10 and set(statuses) == {200}
    assert client.get("/health").json()["documents"] == 50 + len(more)


def test_without_token_writes_are_refused_and_closed_reads(tmp_path: Path) -> None:
    with Server(create_app(str(tmp_path / "a.retold"), token=None)) as c:
        r = c.post("/documents", json={"id": "a", "text": "b"}, headers=AUTH)
        assert r.status_code == 401 and "without a token" in r.json()["detail"]
        assert c.post("/query", json={"text": "hello"}).status_code == 200
    with Server(create_app(str(tmp_path / "b.retold"), token=TOKEN, open_reads=False)) as c:
        assert c.post("/query", json={"text": "hello"}).status_code == 401
        assert c.post("/query", json={"text": "hello"}, headers=AUTH).status_code == 200
        assert c.get("/health").status_code == 200


def test_serve_refuses_public_bind_without_token(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    r = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "x.retold"), "--host", "0.0.0.0"],
                           env={"RETOLD_TOKEN": ""})
    assert r.exit_code == 2 and "without a token" in r.output
    assert not (tmp_path / "x.retold").exists()


def test_bad_database_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "junk.retold"
    p.write_bytes(b"not a database at all")
    with pytest.raises(IndexError_, match="not a retold index"):
        create_app(str(p), token=TOKEN)
    assert p.read_bytes() == b"not a database at all"


def _raw_post(port: int, path: str, headers: str, declared: int, sent: bytes) -> bytes:
    """A POST that declares ``declared`` bytes of body and sends only ``sent``: a server that
    reads the body before looking at the token never answers it."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}"
                   f"Content-Length: {declared}\r\n\r\n").encode() + sent)
        s.settimeout(20)
        try:
            return s.recv(4096)
        except TimeoutError:
            return b""


def test_the_token_is_checked_before_the_body_is_read(tmp_path: Path) -> None:
    app = create_app(str(tmp_path / "t.retold"), token=TOKEN, max_body_bytes=64 << 20, open_reads=False)
    srv = Server(app)
    with srv as c:
        for path, headers in (("/documents", ""), ("/documents", "Authorization: Bearer wrong\r\n"),
                              ("/query", ""), ("/query", "Authorization: Basic xyz\r\n")):
            reply = _raw_post(srv.port, path, headers, 15_000_000, b'{"id": "a", "text": "')
            assert reply.startswith(b"HTTP/1.1 401"), (path, headers, reply[:200])
            assert b"www-authenticate: Bearer" in reply.lower().replace(b"bearer", b"Bearer")
        # the right token still reaches the app, which waits for (and then reads) the body
        r = c.post("/documents", json={"id": "a", "text": "some words to keep"}, headers=AUTH)
        assert r.status_code == 200
        assert c.post("/query", json={"text": "some words"}, headers=AUTH).status_code == 200
        assert c.get("/health").status_code == 200


def test_ids_that_could_not_be_read_back_are_refused(client: httpx.Client) -> None:
    for bad in ("line\nbreak", "carriage\rreturn", "tab\there", "news/2024/matches", "x/matches"):
        r = client.post("/documents", json={"id": bad, "text": "some words here and there"}, headers=AUTH)
        assert r.status_code == 422, bad
        assert client.post("/documents", json={"documents": [{"id": "fine", "text": "x"}, {"id": bad, "text": "y"}]},
                           headers=AUTH).status_code == 422
    assert client.get("/health").json()["documents"] == 0
    odd = ["news/2024/matches-day", "matches", "a b?c#d%20e", "ünï/cödé", "x/matches/y"]
    r = client.post("/documents", json={"documents": [{"id": i, "text": f"text of {i} with words"} for i in odd]},
                    headers=AUTH)
    assert r.status_code == 200 and r.json()["added"] == len(odd)
    from urllib.parse import quote

    for i in odd:
        got = client.get("/documents/" + quote(i, safe="/"))
        assert got.status_code == 200 and got.json()["id"] == i, i
        m = client.get("/documents/" + quote(i, safe="/") + "/matches")
        assert m.status_code == 200 and m.json()["id"] == i, i


def test_a_non_ascii_token_authenticates(tmp_path: Path) -> None:
    token = "pässwörd-€-トークン"
    with Server(create_app(str(tmp_path / "u.retold"), token=token, open_reads=False)) as c:
        good = {"Authorization": b"Bearer " + token.encode()}  # what clients send: UTF-8 bytes
        r = c.post("/documents", json={"id": "a", "text": "some words to keep here"}, headers=good)
        assert r.status_code == 200, r.text
        assert c.get("/documents/a", headers=good).status_code == 200
        wrong = {"Authorization": b"Bearer " + "pässwörd-€-トークX".encode()}
        assert c.post("/documents", json={"id": "b", "text": "x"}, headers=wrong).status_code == 401
        assert c.get("/documents/a", headers=wrong).status_code == 401
        latin = {"Authorization": b"Bearer " + token.encode("utf-8").decode("latin-1").encode("utf-8")}
        assert c.get("/documents/a", headers=latin).status_code == 401


@pytest.mark.parametrize("blank", ["", " ", "   \t "])
def test_a_blank_token_is_no_token(tmp_path: Path, blank: str) -> None:
    import os
    import subprocess
    import sys

    db = tmp_path / "x.retold"
    env = {k: v for k, v in os.environ.items() if k != "RETOLD_TOKEN"}
    for extra, more_env in (([f"--token={blank}"], {}), ([], {"RETOLD_TOKEN": blank})):
        # in a child with a time limit: a serve that accepted the token would not return
        r = subprocess.run([sys.executable, "-m", "retold", "serve", "--db", str(db), "--host", "0.0.0.0",
                            "--port", str(_free_port()), *extra], env={**env, **more_env}, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 2 and "without a token" in r.stderr, (blank, r.stderr)
    assert not db.exists()
    r = subprocess.run([sys.executable, "-m", "retold", "serve", "--db", str(db), "--port", str(_free_port()),
                        "--token", " padded "], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "spaces" in r.stderr
    srv = Server(create_app(str(tmp_path / "y.retold"), token=blank))
    with srv:
        body = b'{"id": "a", "text": "b"}'
        for header in ("Authorization: Bearer \r\n", f"Authorization: Bearer {blank}\r\n", "Authorization: Bearer\r\n"):
            reply = _raw_post(srv.port, "/documents", header, len(body), body)
            assert reply.startswith(b"HTTP/1.1 401"), (header, reply[:100])


def test_repeated_kinds_all_count(client: httpx.Client, docs: list[dict]) -> None:
    client.post("/documents", json={"documents": docs}, headers=AUTH)
    every = client.get(f"/documents/{docs[3]['id']}/matches").json()["pairs"]
    kinds = sorted({p["kind"] for p in every})
    assert len(kinds) >= 2, kinds
    repeated = client.get(f"/documents/{docs[3]['id']}/matches", params=[("kinds", k) for k in kinds]).json()
    joined = client.get(f"/documents/{docs[3]['id']}/matches", params={"kinds": ",".join(kinds)}).json()
    assert repeated["pairs"] == joined["pairs"] == every
    only_last = client.get(f"/documents/{docs[3]['id']}/matches", params={"kinds": kinds[-1]}).json()["pairs"]
    assert len(only_last) < len(every)
    bad = client.get(f"/documents/{docs[3]['id']}/matches", params=[("kinds", "exact"), ("kinds", "bogus")])
    assert bad.status_code == 422


def test_a_read_past_its_time_budget_is_stopped_with_503(tmp_path: Path, docs: list[dict]) -> None:
    """A budget of a microsecond: every read is over it at its first read of the index (a real
    budget, 60 s by default, stops the rare request that would hold a worker for minutes)."""
    db = tmp_path / "b.retold"
    with Index.open(db) as ix:
        ix.add(docs)
    with Server(create_app(str(db), token=TOKEN, max_request_seconds=1e-6)) as c:
        for r in (c.post("/query", json={"text": docs[3]["text"]}), c.get(f"/documents/{docs[3]['id']}/matches"),
                  c.get(f"/documents/{docs[3]['id']}"), c.get(f"/clusters/{docs[3]['id']}")):
            assert r.status_code == 503 and "budget" in r.json()["detail"], r.text
        assert c.get("/health").json()["status"] == "ok"
        r = c.post("/documents", json={"id": "late", "text": "writes are not cut short"}, headers=AUTH)
        assert r.status_code == 200
    with Server(create_app(str(db), token=TOKEN, max_request_seconds=60)) as c:
        assert c.post("/query", json={"text": docs[3]["text"]}).json()["pairs"]


def test_openapi_says_what_the_service_does(tmp_path: Path) -> None:
    for open_reads in (True, False):
        with Server(create_app(str(tmp_path / f"o{open_reads}.retold"), token=TOKEN, open_reads=open_reads)) as c:
            paths = c.get("/openapi.json").json()["paths"]
            reads = [paths["/query"]["post"], paths["/documents/{doc_id}"]["get"],
                     paths["/documents/{doc_id}/matches"]["get"], paths["/clusters/{doc_id}"]["get"]]
            for op in reads:
                assert ("security" in op) is (not open_reads), op["operationId"]
                assert ("401" in op["responses"]) is (not open_reads), op["operationId"]
            write = paths["/documents"]["post"]
            assert write["security"] == [{"HTTPBearer": []}] and "401" in write["responses"]
            for op in (write, paths["/query"]["post"]):
                assert {"400", "413", "422", "503"} <= set(op["responses"])
            # the 400 is real: a body that is not UTF-8
            r = c.post("/query", content=b'{"text": "caf\xe9"}', headers={**AUTH, "Content-Type": "application/json"})
            assert r.status_code == 400 and "detail" in r.json()


# -- faults (issue 16): a damaged index, a full disk, a clean stop ------------------------------

def test_serve_refuses_a_damaged_index(tmp_path: Path) -> None:
    from retold.service import create_app

    good, _ = indexed(tmp_path)
    bad = tmp_path / "bad.retold"
    shutil.copy(good, bad)
    clobber(bad)
    before = bad.read_bytes()
    with pytest.raises(IndexError_, match="damaged"):
        create_app(str(bad), token="t")
    # the real command: it must exit, not start serving (a timeout here means it served)
    r = subprocess.run([sys.executable, "-m", "retold", "serve", "--db", str(bad), "--port", str(free_port())],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "damaged" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert bad.read_bytes() == before


def test_damage_found_while_serving_is_503_and_stops_writes(tmp_path: Path) -> None:
    from retold.service import create_app

    db, docs = indexed(tmp_path)
    with Server(create_app(str(db), token=TOKEN)) as c:
        assert c.get(f"/documents/{docs[3]['id']}").status_code == 200
        clobber(db)
        statuses = set()
        for d in docs[:40]:  # new threads open new connections: they read the damaged pages
            statuses.add(c.get(f"/documents/{d['id']}/matches").status_code)
            statuses.add(c.post("/query", json={"text": d["text"]}).status_code)
        assert 503 in statuses and 500 not in statuses, statuses
        r = c.post("/documents", json={"id": "new", "text": "a new text to store"}, headers=AUTH)
        assert r.status_code == 503 and "refused" in r.json()["detail"]
        h = c.get("/health")
        assert h.status_code == 503 and h.json()["status"] == "damaged"


def test_service_on_a_full_disk_answers_503_and_loses_nothing(tmp_path: Path) -> None:

    docs = make_corpus(600, seed=4)
    with small_disk(tmp_path, 1 << 20) as (mnt, limit):
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(mnt / "s.retold"),
                                   "--create", "--port", str(port), "--token", "t"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, preexec_fn=child_limit(limit))
        try:
            c = serving_client(server, port)
            acked: list[str] = []
            statuses = []
            for s in range(0, len(docs), 25):
                batch = docs[s : s + 25]
                r = c.post("/documents", json={"documents": batch}, headers={"Authorization": "Bearer t"})
                statuses.append(r.status_code)
                if r.status_code == 200:
                    acked += [d["id"] for d in batch]
                else:
                    assert r.status_code == 503 and FULL.search(r.json()["detail"]), r.text
            assert 503 in statuses and 200 in statuses, statuses
            for doc_id in acked:
                assert c.get(f"/documents/{doc_id}").status_code == 200
            assert c.get("/health").json()["documents"] == len(acked)
            assert c.post("/query", json={"text": docs[1]["text"]}).status_code == 200
        finally:
            server.send_signal(signal.SIGTERM)
            err = server.communicate(timeout=60)[1].decode()
        assert "Traceback" not in err, err


def test_a_cleanly_stopped_service_leaves_one_complete_file(tmp_path: Path) -> None:

    db = tmp_path / "s.retold"
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(db), "--create", "--port",
                               str(port), "--token", "t"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        c = serving_client(server, port)
        docs = make_corpus(120, seed=12)
        for s in range(0, len(docs), 10):
            assert c.post("/documents", json={"documents": docs[s : s + 10]},
                          headers={"Authorization": "Bearer t"}).status_code == 200
        assert Path(f"{db}-wal").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.retold"]
    with Index.open(db, create=False, readonly=True) as ix:
        assert len(ix) == 120 and ix.check() == []
