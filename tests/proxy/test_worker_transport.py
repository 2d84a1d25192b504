"""How jobs and outcomes travel between the proxy and its checking worker, in batches: the wire form, a backlog
bigger than the pipe, jobs posted just before shutdown, jobs gathered while the worker waits, its lower priority,
and the cassette and redaction shortcuts the worker takes under load (each must give what the plain way
gives)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets

import pytest

from assistants_contract import Exchange, Headers, Request, Response
from assistants_contract._models import CheckResult, Severity, Side, Violation
from assistants_contract.contract import Contract
from assistants_contract.proxy.finish import Finisher, Job, Outcome, Settings
from assistants_contract.proxy.worker import WorkerBackend, _frame, _frames
from assistants_contract.record.cassette import CassetteFile, count_committed, interaction
from assistants_contract.record.redact import Redactor

V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": f"Bearer sk-{secrets.token_hex(24)}"}
PAGE = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


def _job(flow_id: str, note: str = "") -> Job:
    request = Request("GET", "http://127.0.0.1/v1/assistants?limit=2", Headers(V2))
    body = json.dumps({**PAGE, "note": note}).encode()  # `note` makes each job as big, and as distinct, as needed
    response = Response(200, Headers({"content-type": "application/json", "x-a": "1"}), body)
    return Job(flow_id, request, response, (), check_request=True, check_response=True, check_body=True, record=True)


def test_jobs_and_outcomes_cross_the_wire_unchanged():
    found = (Violation("stream.event.schema", "bad", Side.RESPONSE, Severity.WARNING, "createRun", "/0/data", "x#/y"),)
    job = Job(
        "f1",
        Request("POST", "http://h/v1/threads", Headers([("A", "1"), ("a", "2")]), b"{}"),
        None,
        found,
        check_request=False,
        check_response=True,
        check_body=False,
        record=False,
    )
    result = CheckResult("v2", None, [Violation("path.undocumented", "no such path", Side.REQUEST)])
    outcome = Outcome("f2", result, Exchange(job.request, Response(404, Headers(), None), "c.yaml", 3))
    buffer = bytearray(_frame(job) + _frame(outcome) + _frame(Settings(version="v1")))
    got = _frames(buffer)
    assert got == [job, outcome, Settings(version="v1")]
    assert got[0].found[0].severity is Severity.WARNING and got[0].found[0].side is Side.RESPONSE
    assert isinstance(got[1].exchange.request.headers, Headers) and got[1].exchange.request.headers["a"] == "1, 2"
    assert buffer == b""


def test_frames_leave_an_incomplete_message_for_the_next_read():
    whole, cut = _frame(_job("a")), _frame(_job("b"))
    buffer = bytearray(whole + cut[:-5])
    assert [j.flow_id for j in _frames(buffer)] == ["a"]
    assert buffer == cut[:-5]
    buffer.extend(cut[-5:])
    assert [j.flow_id for j in _frames(buffer)] == ["b"]


def test_a_backlog_bigger_than_the_pipe_is_delivered_in_order_and_recorded(contract: Contract, tmp_path):
    """400 jobs of ~8 KB posted in one turn of the loop: 3 MB, far past what a pipe holds, so most are written
    when the loop says the pipe is writable again."""
    cassette = tmp_path / "session.yaml"
    ids = [f"flow{i}" for i in range(400)]
    delivered: list[str] = []

    async def scenario():
        backend = WorkerBackend(contract, Settings(record_path=cassette), lambda o: delivered.append(o.flow_id))
        for flow_id in ids:
            backend.submit(_job(flow_id, note="x" * 8000))
        while len(delivered) < len(ids):
            await asyncio.sleep(0.02)
        return backend.close()

    (recorded,) = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert delivered == ids
    assert (recorded.written, recorded.lost) == (400, 0)
    assert count_committed(cassette) == 400


def test_jobs_posted_just_before_shutdown_are_done(contract: Contract, tmp_path):
    """No turn of the loop after the last submit: `close` itself writes them to the worker."""
    delivered: list[str] = []

    async def scenario():
        backend = WorkerBackend(contract, Settings(), lambda o: delivered.append(o.flow_id))
        backend.submit(_job("first"))
        while not delivered:  # the worker is up
            await asyncio.sleep(0.02)
        for i in range(5):
            backend.submit(_job(f"late{i}"))
        return backend.close()

    assert asyncio.run(asyncio.wait_for(scenario(), 120)) == []
    assert delivered == ["first"] + [f"late{i}" for i in range(5)]


def test_jobs_that_come_while_the_worker_gathers_are_answered_together(contract: Contract, tmp_path):
    """Six jobs, each written on its own, 10 ms apart, just after an answer: the worker reads them once its
    gathering time is over, and answers them in one write, which the proxy reads at once."""
    reads: list[list[str]] = []  # the outcomes each read of the worker's answers brought

    async def scenario():
        backend = WorkerBackend(contract, Settings(), lambda o: reads[-1].append(o.flow_id), gather=1.0)
        take = backend._take

        def counted(messages):
            reads.append([])
            take(messages)

        backend._take = counted
        backend.submit(_job("first"))
        while not any(reads):  # the worker is up, and has begun to gather
            await asyncio.sleep(0.005)
        for i in range(6):
            backend.submit(_job(f"next{i}"))
            await asyncio.sleep(0.01)  # each job its own write
        while sum(map(len, reads)) < 7:
            await asyncio.sleep(0.02)
        return backend.close()

    asyncio.run(asyncio.wait_for(scenario(), 120))
    answered = [flows for flows in reads if flows]
    assert answered == [["first"], [f"next{i}" for i in range(6)]]


def test_the_worker_runs_at_a_lower_priority_than_the_proxy(contract: Contract):
    async def scenario():
        backend = WorkerBackend(contract, Settings(), lambda o: None)
        backend.submit(_job("first"))
        while backend._pending:  # answered: past the point where it lowered its priority
            await asyncio.sleep(0.02)
        niceness = os.getpriority(os.PRIO_PROCESS, backend._proc.pid)
        backend.close()
        return niceness

    assert asyncio.run(asyncio.wait_for(scenario(), 120)) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)


def test_a_batch_records_what_one_by_one_records(contract: Contract, tmp_path):
    jobs = [_job(f"f{i}", note=str(i)) for i in range(7)]
    plain = Finisher(contract, Settings(record_path=tmp_path / "plain.yaml"))
    plain_outcomes = [plain.finish(job) for job in jobs]
    plain.close()
    batched = Finisher(contract, Settings(record_path=tmp_path / "batched.yaml"))
    with batched.batch():
        batched_outcomes = [batched.finish(job) for job in jobs[:4]]
        # A new cassette within the batch: what came before belongs to the first.
        batched.configure(Settings(record_path=tmp_path / "second.yaml"))
        batched_outcomes += [batched.finish(job) for job in jobs[4:]]
    batched.close()
    plain_bytes = (tmp_path / "plain.yaml").read_bytes()
    first, second = (tmp_path / "batched.yaml").read_bytes(), (tmp_path / "second.yaml").read_bytes()
    lines = plain_bytes.splitlines(keepends=True)
    assert first == b"".join(lines[:2] + lines[2:6])
    assert second == b"".join(lines[:2] + lines[6:])
    assert [o.result for o in batched_outcomes] == [o.result for o in plain_outcomes]
    assert [(r.written, r.lost) for r in batched.recorded] == [(4, 0), (3, 0)]


def test_a_cassette_given_interactions_at_once_holds_them_as_given_one_by_one(tmp_path):
    exchange = Exchange(Request("GET", "http://h/v1/assistants", Headers()), Response(200, Headers(), b"{}"))
    records = [interaction(exchange) for _ in range(3)]
    one_by_one, at_once = CassetteFile(tmp_path / "a.yaml"), CassetteFile(tmp_path / "b.yaml")
    for record in records:
        one_by_one.add(record)
    at_once.add_all(records)
    at_once.add_all([])
    one_by_one.close()
    at_once.close()
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    assert (at_once.count, at_once.lost) == (3, 0)


@pytest.mark.parametrize("repeat", [1, 2])
def test_header_values_are_redacted_the_same_when_remembered(repeat):
    token = f"Bearer sk-{secrets.token_hex(24)}"
    headers = [("x-note", token), ("accept", "*/*"), ("x-mine", "code foo1234")]
    plain, mine = Redactor(), Redactor(("foo[0-9]+",))
    for _ in range(repeat):
        assert plain.headers(headers) == [
            ("x-note", "Bearer sk-REDACTED"),
            ("accept", "*/*"),
            ("x-mine", "code foo1234"),
        ]
        assert mine.headers(headers)[2] == ("x-mine", "code REDACTED")


def test_the_remembered_header_values_stay_bounded():
    redactor = Redactor()
    for i in range(5000):
        assert redactor.headers([("x-request-id", f"req_{i}")]) == [("x-request-id", f"req_{i}")]
    assert len(redactor._header_values) <= 1024
    long = "v" * 300
    assert redactor.headers([("x-long", long)]) == [("x-long", long)]
    assert long not in redactor._header_values
