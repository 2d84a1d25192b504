"""End-to-end robustness of the validating proxy: a real `mitmdump -s .../proxy/mitmdump_addon.py` in
reverse mode, fed the traffic that breaks naive proxies: chunked bodies both ways, streams that trickle in, a
client that hangs up mid-stream, HTTP/2 clients, and methods and paths the contract does not know.

Each test asserts the four promises of the README ("Checking never alters or drops traffic"): the proxy keeps
running, the client gets the upstream's bytes unchanged, the log shows no internal error, and report.json
records the exchange with the right violation codes.

The upstream here is `ScriptedUpstream`, a raw-socket HTTP/1.1 server, because the framing is the point:
http.server cannot send chunked answers with pauses between the chunks, hang up on a client, or answer
`PURGE`, and it would hide how the request body arrived (chunked or not).
"""

from __future__ import annotations

import json
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import corpus as c
import httpx
import pytest
import yaml
from server.support import V2, serve

from assistants_contract import Contract
from assistants_contract.server import create_app

from .support import MITMDUMP, Mitm, mitm

pytestmark = pytest.mark.skipif(not MITMDUMP.exists(), reason="mitmdump is not installed next to the interpreter")

JSON = {"content-type": "application/json"}
SSE = {"content-type": "text/event-stream"}
# What mitmproxy or our hooks print when something inside them fails: none of it may appear in the log.
FAILURE_MARKS = ("internal error", "Traceback", "Addon error")


# --- a scripted upstream -------------------------------------------------------------------------------------


@dataclass
class Received:
    """One request as it reached the upstream: the body with its chunked framing (if any) taken off."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    chunked: bool

    @property
    def path(self) -> str:
        return self.target.split("?")[0]


@dataclass
class Answer:
    """What the upstream sends back. `parts` go out one write each, `pause` seconds apart, as chunks when
    `chunked` (else with a Content-Length). With `gate`, the upstream sends the first part and then waits for
    the test to set the gate before sending the rest: a proxy that held the body back would never let the
    client see that first part, and the gate would time out."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    parts: list[bytes] = field(default_factory=list)
    chunked: bool = False
    pause: float = 0.0
    gate: threading.Event | None = None
    hang_up: bool = False  # close the connection after the parts, without the last chunk (a crashed server)

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


@dataclass
class Delivery:
    """How an answer went out: how many parts were written before the end, and whether the peer hung up."""

    received: Received
    sent_parts: int = 0
    broken: bool = False
    gate_timed_out: bool = False
    finished: threading.Event = field(default_factory=threading.Event)


class ScriptedUpstream:
    """A raw HTTP/1.1 server on loopback (keep-alive, any method) answering each request with `answer(request)`.
    `deliveries` lists every request received, in order, with how its answer went out."""

    def __init__(self, answer: Callable[[Received], Answer]) -> None:
        self.deliveries: list[Delivery] = []
        upstream = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    received = _read_request(self.rfile)
                    if received is None:
                        return
                    delivery = Delivery(received)
                    upstream.deliveries.append(delivery)
                    try:
                        try:
                            reply = answer(received)
                        except Exception as e:  # noqa: BLE001 - the test sees a 599 instead of a hang
                            reply = Answer(599, {"content-type": "text/plain"}, [f"upstream script: {e!r}".encode()])
                        if not _write_answer(self.wfile, reply, delivery):
                            return
                    except OSError:
                        delivery.broken = True
                        return
                    finally:
                        delivery.finished.set()

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="scripted-upstream", daemon=True)

    def __enter__(self) -> ScriptedUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def delivery(self, method: str, path: str) -> Delivery:
        return next(d for d in self.deliveries if (d.received.method, d.received.path) == (method, path))


def _read_request(rfile: BinaryIO) -> Received | None:
    line = rfile.readline(65536)
    if not line.strip():
        return None  # the proxy closed the connection
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = []
    while (header := rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    fields = {name.lower(): value for name, value in headers}
    chunked = "chunked" in fields.get("transfer-encoding", "").lower()
    if not chunked:
        return Received(method, target, headers, rfile.read(int(fields.get("content-length", "0"))), False)
    body = b""
    while size := int(rfile.readline().split(b";")[0].strip(), 16):
        body += rfile.read(size)
        rfile.readline()
    while rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
        pass
    return Received(method, target, headers, body, True)


def _write_answer(wfile: BinaryIO, answer: Answer, delivery: Delivery) -> bool:
    """Send `answer`; False when the connection is to be closed afterwards."""
    head = [f"HTTP/1.1 {answer.status} Scripted", *(f"{k}: {v}" for k, v in answer.headers.items())]
    head.append("Transfer-Encoding: chunked" if answer.chunked else f"Content-Length: {len(answer.body)}")
    wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    wfile.flush()
    for i, part in enumerate(answer.parts):
        if i == 1 and answer.gate is not None and not answer.gate.wait(timeout=5):
            delivery.gate_timed_out = True
        elif i and answer.pause:
            time.sleep(answer.pause)
        wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if answer.chunked else part)
        wfile.flush()
        delivery.sent_parts += 1
    if answer.hang_up:
        return False
    if answer.chunked:
        wfile.write(b"0\r\n\r\n")
        wfile.flush()
    return True


# --- helpers -------------------------------------------------------------------------------------------------


def events(stream: bytes) -> list[bytes]:
    """The SSE events of `stream`, each with its blank line: one part per event when sent chunk by chunk."""
    return [event + b"\n\n" for event in stream.split(b"\n\n") if event]


def full_log(proxy: Mitm) -> str:
    """The whole mitmdump log (`Mitm.output()` keeps only its tail)."""
    if not proxy.log.closed:
        proxy.log.flush()
    return Path(proxy.log.name).read_text(errors="replace")


def assert_clean_log(proxy: Mitm) -> None:
    log = full_log(proxy)
    for mark in FAILURE_MARKS:
        assert mark not in log, log


def stop(proxy: Mitm) -> dict:
    """Stop the proxy the way a person does (Ctrl-C), check it ran cleanly, and return report.json."""
    assert proxy.proc.poll() is None, full_log(proxy)  # it survived everything the test sent
    assert proxy.stop() == 0, full_log(proxy)
    assert_clean_log(proxy)
    return proxy.report()


def found(report: dict, path: str) -> list[tuple[str, str]]:
    """`(code, pointer)` of every violation reported for exchanges on `path` (the URL's path, exactly)."""
    return sorted((v["code"], v["pointer"]) for v in report["violations"] if urlsplit(v["url"]).path == path)


def seen(report: dict, operation_id: str, version: str = "v2") -> dict:
    operation = report["coverage"][version]["operations"][operation_id]
    return {"count": operation["count"], "statuses": operation["statuses"]}


def cassette_interactions(proxy: Mitm) -> list[dict]:
    (path,) = proxy.cassettes()
    return yaml.safe_load(path.read_text())["interactions"]


def pieces(data: bytes, *cuts: int) -> list[bytes]:
    """`data` cut at the given offsets."""
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def trickle(parts: list[bytes], pause: float) -> Iterator[bytes]:
    """A request body for httpx: a generator, so httpx sends it with Transfer-Encoding: chunked."""
    for i, part in enumerate(parts):
        if i:
            time.sleep(pause)
        yield part


# --- 1. chunked bodies ---------------------------------------------------------------------------------------

RUN_URL = f"/v1/threads/{c.THREAD_ID}/runs/{c.RUN_ID}"
BAD_RUN_URL = f"/v1/threads/{c.THREAD_ID}/runs/run_bogusstatus"


def test_chunked_json_answers_pass_byte_identical_and_are_checked(tmp_path: Path) -> None:
    """mitmproxy de-chunks a buffered answer to check it; the client must still get the same bytes, and the
    check must see the whole reassembled object, not one chunk of it."""
    good = json.dumps(c.run("v2", "in_progress")).encode()
    bad = json.dumps({**c.run("v2"), "id": "run_bogusstatus", "status": "bogus"}).encode()
    table = {
        ("GET", RUN_URL): Answer(200, JSON, pieces(good, 1, 100, 700), chunked=True, pause=0.02),
        ("GET", BAD_RUN_URL): Answer(200, JSON, pieces(bad, 50, 51, 600), chunked=True, pause=0.02),
    }
    with ScriptedUpstream(lambda r: table[(r.method, r.path)]) as upstream, mitm(upstream.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=10) as client:
            for url, body in [(RUN_URL, good), (BAD_RUN_URL, bad)]:
                with client.stream("GET", url) as got:
                    raw = b"".join(got.iter_raw())
                assert (got.status_code, raw) == (200, body), url
                assert got.headers["content-type"] == "application/json"
        report = stop(proxy)
    assert report["exchanges"] == 2
    assert found(report, RUN_URL) == []
    assert found(report, BAD_RUN_URL) == [("response.body.schema", "/status")]
    assert seen(report, "getRun") == {"count": 2, "statuses": {"200": 2}}
    recorded = [i["response"]["body"]["string"] for i in cassette_interactions(proxy)]
    assert recorded == [good.decode(), bad.decode()]  # the cassette holds the reassembled body too


def test_chunked_event_streams_pass_as_they_arrive_and_are_checked(tmp_path: Path) -> None:
    """A stream sent as many chunks, with pauses, one event split mid-UTF-8 character and two events in one
    chunk: the client gets each chunk before the upstream sends the next (the gate proves it), the bytes are
    the upstream's, and each event is checked; a broken stream gets its event code and `stream.incomplete`."""
    stream = c.run_stream("v2")
    parts = events(stream)
    euro = next(i for i, p in enumerate(parts) if "€".encode() in p)
    cut = parts[euro].index("€".encode()) + 1  # inside the three bytes of the euro sign
    parts[euro : euro + 1] = [parts[euro][:cut], parts[euro][cut:]]
    parts[1:3] = [parts[1] + parts[2]]
    assert b"".join(parts) == stream
    gate = threading.Event()

    bad_run = {**c.run("v2"), "status": "bogus"}
    bad_stream = c.sse([("thread.run.created", bad_run), ("thread.run.queued", c.run("v2"))])
    good_url, bad_url = f"/v1/threads/{c.THREAD_ID}/runs", "/v1/threads/thread_broken/runs"
    table = {
        ("POST", good_url): Answer(200, SSE, parts, chunked=True, pause=0.03, gate=gate),
        ("POST", bad_url): Answer(200, SSE, events(bad_stream), chunked=True, pause=0.03),
    }
    body = {"assistant_id": c.ASSISTANT_ID, "stream": True}
    with ScriptedUpstream(lambda r: table[(r.method, r.path)]) as upstream, mitm(upstream.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=10) as client:
            with client.stream("POST", good_url, json=body) as got:
                received = []
                for chunk in got.iter_raw():
                    received.append(chunk)
                    gate.set()  # the first event is here: let the upstream send the rest
            assert got.status_code == 200
            assert b"".join(received) == stream
            assert len(received) > 1  # passed on chunk by chunk, not gathered into one body
            assert not upstream.delivery("POST", good_url).gate_timed_out  # the first event was not held back

            with client.stream("POST", bad_url, json=body) as got:
                assert b"".join(got.iter_raw()) == bad_stream
        report = stop(proxy)
    assert report["exchanges"] == 2
    assert found(report, good_url) == []
    assert found(report, bad_url) == [
        ("stream.event.schema", "/0/data/status"),
        ("stream.incomplete", "/2"),
    ]  # no `done` where event 2 should be
    assert seen(report, "createRun") == {"count": 2, "statuses": {"200": 2}}
    recorded = [i["response"]["body"]["string"] for i in cassette_interactions(proxy)]
    assert recorded == [stream.decode(), bad_stream.decode()]  # the UTF-8 split did not garble the recording


def test_chunked_request_bodies_reach_upstream_intact_and_are_checked(tmp_path: Path) -> None:
    """A client streaming its request body (httpx with a generator sends it chunked): the upstream must get
    the same bytes, still chunked, and the check must see the whole body, valid or not."""
    message = json.dumps(c.message("v2")).encode()
    error = json.dumps(c.error("Invalid type for 'model': expected a string", param="model")).encode()
    messages_url = f"/v1/threads/{c.THREAD_ID}/messages"
    table = {
        ("POST", messages_url): Answer(200, JSON, [message]),
        ("POST", "/v1/assistants"): Answer(400, JSON, [error]),
    }
    good = [b'{"role": "us', b'er", "content": "What were total sales in Q1', b'?"}']
    bad = pieces('{"model": 5, "name": "€ ok"}'.encode(), 10, 23)  # the second cut is inside the euro sign
    with ScriptedUpstream(lambda r: table[(r.method, r.path)]) as upstream, mitm(upstream.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers={**V2, **JSON}, timeout=10) as client:
            got = client.post(messages_url, content=trickle(good, 0.02))
            assert (got.status_code, got.content) == (200, message)
            got = client.post("/v1/assistants", content=trickle(bad, 0.02))
            assert (got.status_code, got.content) == (400, error)
        for path, parts in [(messages_url, good), ("/v1/assistants", bad)]:
            received = upstream.delivery("POST", path).received
            assert received.chunked, received.headers  # mitmproxy kept the client's framing
            assert received.body == b"".join(parts)
        report = stop(proxy)
    assert report["exchanges"] == 2
    assert found(report, messages_url) == []
    assert found(report, "/v1/assistants") == [("request.body.schema", "/model")]
    assert seen(report, "createMessage") == {"count": 1, "statuses": {"200": 1}}
    assert seen(report, "createAssistant") == {"count": 1, "statuses": {"400": 1}}


# --- 2. a client that hangs up mid-stream --------------------------------------------------------------------


def test_client_disconnect_mid_stream_is_survived_and_reported(tmp_path: Path) -> None:
    """The client reads the first event of a slow stream and hangs up. The proxy must drop the upstream
    connection too, keep serving, and report the cut exchange: the events that did pass were checked (the
    first one is invalid on purpose), and no `stream.incomplete` is blamed on the upstream, since the cut was
    the client's doing."""
    bad_first = {**c.run("v2"), "object": "nope"}
    tail = events(c.run_stream("v2"))[1:]
    # 44 events, 50 ms apart: the whole stream would take over 2 s; the client leaves after the first.
    parts = events(c.sse([("thread.run.created", bad_first)])) + tail[:7] + tail[7:8] * 30 + tail[8:]
    run = json.dumps(c.run("v2")).encode()
    runs_url = f"/v1/threads/{c.THREAD_ID}/runs"
    table = {
        ("POST", runs_url): Answer(200, SSE, parts, chunked=True, pause=0.05),
        ("GET", RUN_URL): Answer(200, JSON, [run]),
    }
    with ScriptedUpstream(lambda r: table[(r.method, r.path)]) as upstream, mitm(upstream.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=10) as client:
            body = {"assistant_id": c.ASSISTANT_ID, "stream": True}
            with client.stream("POST", runs_url, json=body) as got:
                assert got.status_code == 200
                head = b""
                for chunk in got.iter_raw():
                    head += chunk
                    if b"\n\n" in head:
                        break
            # Leaving the block unread closes the connection: httpx cannot reuse it mid-body.
        assert b"".join(parts).startswith(head) and head.startswith(parts[0])
        cut = upstream.delivery("POST", runs_url)
        assert cut.finished.wait(timeout=5), "the proxy kept the upstream stream open after the client left"
        assert cut.broken and cut.sent_parts < len(parts)

        assert proxy.proc.poll() is None, full_log(proxy)
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=10) as client:
            again = client.get(RUN_URL)
        assert (again.status_code, again.content) == (200, run)
        report = stop(proxy)
        log = full_log(proxy)  # after the stop: the verdict's line comes once its check is done
    assert f"POST {runs_url} [createRun] 200 FAIL (1 errors, 0 warnings); ended early: Client disconnected." in log
    assert report["exchanges"] == 2
    # The part of the stream that passed was checked; nothing else is held against the upstream.
    assert found(report, runs_url) == [("stream.event.schema", "/0/data/object")]
    assert not any(v["code"] == "stream.incomplete" for v in report["violations"])
    # The head that came counts: a 200 was answered.
    assert seen(report, "createRun") == {"count": 1, "statuses": {"200": 1}}
    assert seen(report, "getRun") == {"count": 1, "statuses": {"200": 1}}
    # A cut response cannot be replayed, so only the complete exchange is in the cassette.
    assert [i["request"]["method"] for i in cassette_interactions(proxy)] == ["GET"]


def test_upstream_cut_mid_chunked_stream_is_reported_as_incomplete(tmp_path: Path) -> None:
    """An upstream that dies in the middle of a chunked event stream: mitmproxy ends the flow with an error, not a
    response. The head that came is checked and counted, and the stream is judged: cut mid-event."""
    parts = events(c.run_stream("v2"))[:3]
    parts.append(parts[2][:25])  # half an event, then the upstream is gone
    url = f"/v1/threads/{c.THREAD_ID}/runs"
    answer = Answer(200, SSE, parts, chunked=True, pause=0.03, hang_up=True)
    with ScriptedUpstream(lambda r: answer) as upstream, mitm(upstream.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=10) as client:
            try:
                with client.stream("POST", url, json={"assistant_id": c.ASSISTANT_ID, "stream": True}) as got:
                    b"".join(got.iter_raw())
            except httpx.RemoteProtocolError:
                pass  # the client sees the cut too
        report = stop(proxy)
    assert seen(report, "createRun") == {"count": 1, "statuses": {"200": 1}}
    assert ("stream.incomplete", "/3") in found(report, url)
    assert "ended early: HTTP/1 protocol error" in full_log(proxy)


# --- 3. HTTP/2 clients ---------------------------------------------------------------------------------------


class PreferH2(ssl.SSLContext):
    """A client TLS context that lists h2 first in its ALPN offer. httpcore always offers
    `["http/1.1", "h2"]`, and mitmproxy honours the client's order, so plain `httpx.Client(http2=True)` ends
    up on HTTP/1.1 through mitmproxy; browsers and curl offer h2 first, which this reproduces."""

    def set_alpn_protocols(self, protocols: list[str]) -> None:  # type: ignore[override]
        super().set_alpn_protocols(sorted(protocols, key=lambda p: p != "h2"))


def test_http2_client_json_and_stream_are_checked_with_no_errors(contract: Contract, tmp_path: Path) -> None:
    """mitmproxy terminates TLS itself in reverse mode, speaks HTTP/2 to the client and HTTP/1.1 to the
    upstream. The addon must check both sides of an h2 exchange, JSON and a streamed createThreadAndRun, and
    the client must get the bodies the upstream sent (the cassette holds what came from the upstream)."""
    with serve(create_app("stateful", contract=contract, self_check=True)) as server:
        with mitm(server.root, tmp_path) as proxy:
            ca = tmp_path / "mitm" / "mitmproxy-ca-cert.pem"
            assert ca.is_file(), list((tmp_path / "mitm").iterdir())
            tls = PreferH2(ssl.PROTOCOL_TLS_CLIENT)
            tls.load_verify_locations(cafile=str(ca))
            https = proxy.url.replace("http://", "https://")
            with httpx.Client(base_url=https, headers=V2, http2=True, verify=tls, timeout=10) as client:
                created = client.post("/v1/assistants", json={"model": "gpt-4o", "name": "over h2"})
                assert (created.http_version, created.status_code) == ("HTTP/2", 200), created.text
                assistant = created.json()
                assert assistant["id"].startswith("asst_") and assistant["name"] == "over h2"

                body = {
                    "assistant_id": assistant["id"],
                    "stream": True,
                    "thread": {"messages": [{"role": "user", "content": "hello over h2"}]},
                }
                with client.stream("POST", "/v1/threads/runs", json=body) as got:
                    assert (got.http_version, got.status_code) == ("HTTP/2", 200)
                    assert got.headers["content-type"].startswith("text/event-stream")
                    stream = b"".join(got.iter_raw())
            report = stop(proxy)
        assert not server.violations  # the reference server found the requests it got valid
    names = [e.split(b"\n")[0] for e in events(stream)]
    assert names[0] == b"event: thread.created" and names[-1] == b"event: done"
    assert b"event: thread.run.completed" in names

    assert report["exchanges"] == 2
    assert (report["errors"], report["warnings"], report["violations"]) == (0, 0, [])
    assert seen(report, "createAssistant") == {"count": 1, "statuses": {"200": 1}}
    assert seen(report, "createThreadAndRun") == {"count": 1, "statuses": {"200": 1}}
    recorded = [i["response"]["body"]["string"] for i in cassette_interactions(proxy)]
    assert recorded == [created.text, stream.decode()]


def test_h2c_preface_is_not_reported_as_an_api_exchange(tmp_path: Path) -> None:
    """Cleartext HTTP/2 with prior knowledge: mitmproxy 12 refuses it, and its connection preface (`PRI *`) is
    transport, not an API call to report."""
    with ScriptedUpstream(lambda r: Answer(200, JSON, [b"{}"])) as upstream, mitm(upstream.url, tmp_path) as proxy:
        try:
            with httpx.Client(base_url=proxy.url, headers=V2, timeout=5, http1=False, http2=True) as client:
                client.get("/v1/assistants")
        except httpx.RemoteProtocolError:
            pass  # mitmproxy refuses h2c with prior knowledge: expected
        report = stop(proxy)
    assert [v for v in report["violations"] if v["method"] == "PRI"] == []
    assert report["exchanges"] == 0


# --- 4. methods and paths the contract does not know ---------------------------------------------------------

UNKNOWN = [
    # method, target, request body, expected code, methods the message must list
    ("PATCH", "/v1/assistants/asst_x", b'{"name": "renamed"}', "method.undocumented", "DELETE, GET, POST"),
    ("PUT", "/v1/threads", b"{}", "method.undocumented", "POST"),
    ("PURGE", "/v1/assistants", b"", "method.undocumented", "GET, POST"),
    ("OPTIONS", f"/v1/threads/{c.THREAD_ID}/runs", b"", "method.undocumented", "GET, POST"),
    ("GET", "/v1/assistants/asst_x/unknown", b"", "path.undocumented", None),
    ("POST", "/v1/no/such/thing?limit=5", b'{"a": 1}', "path.undocumented", None),
]


def test_undocumented_methods_and_paths_are_reported_and_forwarded_unchanged(tmp_path: Path) -> None:
    """Traffic outside the contract is still traffic: it must reach the upstream as sent (method, target,
    body) and the upstream's answer must reach the client, with one violation naming what is unknown."""

    def echo(request: Received) -> Answer:
        said = json.dumps({"upstream saw": f"{request.method} {request.target}", "body": request.body.decode()})
        return Answer(405, {**JSON, "x-upstream-saw": request.method}, [said.encode()])

    with ScriptedUpstream(echo) as upstream, mitm(upstream.url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url, headers=V2, timeout=10) as client:
            for method, target, body, _, _ in UNKNOWN:
                got = client.request(method, target, content=body or None, headers=JSON if body else None)
                expected = json.dumps({"upstream saw": f"{method} {target}", "body": body.decode()}).encode()
                assert (got.status_code, got.headers["x-upstream-saw"], got.content) == (405, method, expected)
        assert [(d.received.method, d.received.target, d.received.body) for d in upstream.deliveries] == [
            (method, target, body) for method, target, body, _, _ in UNKNOWN
        ]
        report = stop(proxy)
    assert report["exchanges"] == len(UNKNOWN)
    violations = {(v["method"], v["url"].removeprefix(upstream.url)): v for v in report["violations"]}
    assert len(violations) == len(report["violations"]) == len(UNKNOWN)  # one each
    for method, target, _, code, documented in UNKNOWN:
        v = violations[(method, target)]
        assert (v["code"], v["severity"], v["operation_id"], v["status"]) == (code, "error", None, 405), v
        if documented:
            assert f"(documented: {documented})" in v["message"], v
    assert report["errors"] == len(UNKNOWN)
