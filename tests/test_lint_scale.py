"""lint over large archives: the line reader gives exactly what vcrpy's reading gives, `--jobs` and a cassette split
into pieces give exactly what one process gives, JUnit output, and the repeated-request finding."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistants_contract import Contract
from assistants_contract._models import Severity
from assistants_contract.lint import Verdicts, lint_file, lint_files
from assistants_contract.record.cassette import serialize_interaction
from assistants_contract.report import Summary, json_report, junit
from assistants_contract.sources import cassette_lines, find_files, read_exchanges
from assistants_contract.sources.cassette_lines import (
    HEADER,
    NotLineCassette,
    exchanges_between,
    exchanges_from_lines,
    piece_bounds,
)

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
REPEATED = "cassette.interaction.repeated"
V2 = {"openai-beta": ["assistants=v2"], "authorization": ["Bearer sk-REDACTED"]}
JSON = {"content-type": ["application/json"]}
THREAD = {"id": "thread_abc", "object": "thread", "created_at": 1731000001, "metadata": {}, "tool_resources": {}}


def record(
    method: str = "GET",
    uri: str = "https://api.openai.com/v1/threads/thread_abc",
    body: str | bytes = "",
    headers: dict | None = None,
    status: int = 200,
    response_headers: dict | None = None,
    response_body: str | bytes = json.dumps(THREAD),
    **extra: object,
) -> dict:
    """An interaction as the proxy records it (`record/cassette.py`'s `interaction`)."""
    return {
        "request": {"body": body, "headers": V2 if headers is None else headers, "method": method, "uri": uri},
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": JSON if response_headers is None else response_headers,
            "body": {"string": response_body},
        },
        **extra,
    }


def write(path: Path, *items: dict | bytes) -> Path:
    """A cassette in the proxy's format: records through its serializer, bytes as they are (whole lines)."""
    path.write_bytes(HEADER + b"".join(i if isinstance(i, bytes) else serialize_interaction(i) for i in items))
    return path


def outcome(path: Path, contract: Contract, reader: str) -> str:
    """What lint makes of one file: its JSON report, or its one line of error."""
    done = lint_file(path, contract, reader=reader)
    if done.summary is None:
        return f"error: {done.error}"
    return json_report.serialize(Summary.for_contract(contract).merge(done.summary))


def same_as_vcrpy(path: Path, contract: Contract) -> None:
    """The line reader's exchanges, or its refusal, and lint's verdict, are vcrpy's."""
    try:
        exchanges = read_exchanges(path)
    except Exception:  # noqa: BLE001 - then the line reader must not take the file on either
        exchanges = None
    if exchanges is None:
        with pytest.raises(NotLineCassette):
            list(exchanges_from_lines(path))
    else:
        try:
            assert list(exchanges_from_lines(path)) == exchanges
        except NotLineCassette:
            pass  # it may give up, and lint then reads through vcrpy; the verdicts below must still agree
    assert outcome(path, contract, "auto") == outcome(path, contract, "vcrpy")


# --- the line reader is vcrpy ----------------------------------------------------------------------------------

TRICKY = [
    record(body=json.dumps({"content": "café 日本語 \u2028 \x85 \ufeff \x00\x1f\x7f"}, ensure_ascii=False)),
    record(
        method="POST",
        uri="https://api.openai.com/v1/threads/thread_abc/messages?q=\U0001f600",
        body='{"role":"user","content":"\U0001f600 \U0001d11e astral, and a literal \\\\U0001F600 and \\\\u0041"}',
        headers={**V2, "x-note": ["\U0001f600 in a header"], "x-\U0001f600": ["astral name"]},
    ),
    record(response_body='{"quotes": "\\" \\\\ \\/ \\b \\f \\n \\r \\t", "tab": "\t", "nul": "\\u0000"}'),
    record(response_body=b"\xff\xfe\x00 not utf-8", response_headers={"content-type": ["application/octet-stream"]}),
    record(method="POST", body=b"\x80binary request", uri="https://api.openai.com/v1/threads"),
    record(
        method="POST",
        uri="https://api.openai.com/v1/threads/thread_abc/runs",
        body='{"assistant_id": "asst_1", "stream": true}',
        response_headers={"content-type": ["text/event-stream"]},
        response_body='event: thread.run.created\ndata: {"id": "run_1"}\n\nevent: done\ndata: [DONE]\n\n',
    ),
    record(body="", response_body="", response_headers={}),
    record(
        headers={**V2, "X-Repeated": ["first", "second"], "x-repeated": ["third"], "Accept": ["a", "b"]},
        response_headers={**JSON, "Set-Cookie": ["a=1", "b=2"], "set-cookie": ["c=3"], "x-empty": []},
    ),
    record(response_headers={**JSON, "content-encoding": ["gzip"]}),  # stored decoded under its header
    record(
        response_body=gzip.compress(json.dumps(THREAD).encode()),
        response_headers={**JSON, "content-encoding": ["gzip"]},
    ),
    record(status=299, assistants_contract={"version": "v2", "operation_id": None, "violations": [{"m": "é"}]}),
    record(headers={**V2, "x-" + "long" * 40: ["a header name past 100 characters"]}),
    record(response_body='{"spaced"                    : "gap before a colon, inside a string"}'),
    record(uri="https://api.openai.com/v1/threads/thread_abc?b=2&a=1&a=%20x+y"),
]
# The records above that the line reader hands to vcrpy's deserializer rather than reading them itself: the
# binary bodies (written as !!binary), the header name past 100 characters, the gap of 16 spaces before a colon.
THROUGH_YAML = 5


def test_tricky_interactions_read_the_same_and_mostly_without_yaml(tmp_path, contract, monkeypatch):
    path = write(tmp_path / "tricky.yaml", *TRICKY)
    calls = []
    through_yaml = cassette_lines._yaml_exchange
    monkeypatch.setattr(cassette_lines, "_yaml_exchange", lambda *a: calls.append(a[2]) or through_yaml(*a))
    exchanges = list(exchanges_from_lines(path))
    assert exchanges == read_exchanges(path)
    assert len(calls) == THROUGH_YAML, calls
    repeated = exchanges[7].request.headers, exchanges[7].response.headers
    assert repeated[0]["x-repeated"] == "third" and repeated[0]["accept"] == "a"  # vcrpy's first value, last name
    assert repeated[1]["set-cookie"] == "a=1, b=2, c=3" and repeated[1]["x-empty"] == ""
    assert "\U0001f600" in exchanges[1].request.body.decode() and exchanges[3].response.body.startswith(b"\xff")
    assert outcome(path, contract, "auto") == outcome(path, contract, "vcrpy")


GOOD = serialize_interaction(record())
RAW_LINES = {  # what follows the header, after one good interaction (but for `header only`)
    "surrogate pair escape": GOOD.replace(b"thread_abc", b"thread_\\ud83d\\ude00"),
    "lone surrogate escape": GOOD.replace(b"thread_abc", b"thread_\\udc00"),
    "trailing comment": GOOD.rstrip(b"\n") + b"  # a note\n",
    "comment and blank lines": b'# {"pending": 1}\n\n   \n' + GOOD + b"#  cut sh",
    "tab between tokens": GOOD.replace(b'"method": ', b'"method":\t'),
    "float status": GOOD.replace(b'"code": 200', b'"code": 2e2'),
    "integral float status": GOOD.replace(b'"code": 200', b'"code": 200.0'),
    "huge status": GOOD.replace(b'"code": 200', b'"code": 100000000000000000000000'),
    "slash escape": GOOD.replace(b"/v1/threads", b"\\/v1\\/threads"),
    "long escapes": GOOD.replace(b"thread_abc", b"thread_\\U00000061\\U0001F600\\U0000000a\\\\U00000062"),
    "escape past unicode": GOOD.replace(b"thread_abc", b"thread_\\U00110000"),
    "surrogate long escape": GOOD.replace(b"thread_abc", b"thread_\\U0000d800"),
    "key past 1024": GOOD.replace(b'"openai-beta"', b'"' + b"k" * 1100 + b'"'),
    "key past 1024 in the verdict": GOOD[:-2] + b', "assistants_contract": {"' + b"k" * 1100 + b'": 1}}\n',
    "gap past 1024 before a colon": GOOD.replace(b'"method": ', b'"method"' + b" " * 1100 + b": "),
    "header only": b"",
    "indented item": b"  " + GOOD,
    "item indented under another": GOOD.rstrip(b"\n") + b"\n  - {}\n",
    "item on two lines": GOOD.replace(b'"response": ', b'\n  "response": '),
    "empty header value": GOOD.replace(b'["assistants=v2"]', b"[]"),
    "extra request key": GOOD.replace(b'"method": "GET"', b'"method": "GET", "extra": 1'),
    "not utf-8 in a comment": b"# caf\xe9\n" + GOOD,
    "control character in a comment": b"# \x01\n" + GOOD,
    "repeated key": GOOD.replace(b'"method": "GET"', b'"method": "PUT", "method": "GET"'),
    "carriage return inside": GOOD.replace(b'"method": "GET", ', b'"method": "GET",\r '),
    "yaml flow style": b'- {request: {body: "", headers: {}, method: GET, uri: "/v1/threads/t"},'
    b" response: {status: {code: 200, message: OK}, headers: {}, body: {string: ''}}}\n",
    "document end": GOOD + b"...\n",
    "metadata key": GOOD + b"metadata: {a: 1}\n",
}


@pytest.mark.parametrize("name", list(RAW_LINES))
def test_lines_the_reader_does_not_take_on_give_vcrpys_verdict(tmp_path, contract, name):
    path = write(tmp_path / "raw.yaml", RAW_LINES[name]) if name == "header only" else None
    path = path or write(tmp_path / "raw.yaml", GOOD, RAW_LINES[name])
    same_as_vcrpy(path, contract)


def test_every_state_a_kill_leaves_reads_the_same(tmp_path, contract):
    # As CassetteFile appends: comment lines, then each line's first byte turned into '-'.
    start = HEADER + GOOD
    lines = [serialize_interaction(record(uri=f"https://api.openai.com/v1/threads/t{i}")) for i in range(3)]
    appended = b"".join(b"#" + line[1:] for line in lines)
    states = [start + appended[:cut] for cut in range(0, len(appended) + 1, 37)]
    flipped = bytearray(start + appended)
    offset = len(start)
    for line in lines:
        flipped[offset] = ord("-")
        offset += len(line)
        states.append(bytes(flipped))
    for n, content in enumerate(states):
        path = tmp_path / f"state{n}.yaml"
        path.write_bytes(content)
        assert list(exchanges_from_lines(path)) == read_exchanges(path)


ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
BODY = ANY_TEXT | st.binary(max_size=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.builds(
            record,
            method=st.sampled_from(["GET", "POST", "DELETE", "get"]),
            uri=ANY_TEXT.map(lambda s: "https://api.openai.com/v1/threads/" + s),
            body=BODY,
            headers=st.dictionaries(ANY_TEXT, st.lists(ANY_TEXT, min_size=1, max_size=3), max_size=4),
            status=st.integers(100, 599),
            response_headers=st.dictionaries(ANY_TEXT, st.lists(ANY_TEXT, max_size=3), max_size=4),
            response_body=BODY,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_recorded_interaction_reads_the_same(tmp_path, records):
    path = write(tmp_path / "any.yaml", *records)
    assert list(exchanges_from_lines(path)) == read_exchanges(path)


def test_the_reader_streams_and_a_late_bad_line_gets_vcrpys_error(tmp_path, contract):
    path = write(tmp_path / "late.yaml", GOOD, GOOD, b"- {broken\n")
    lines = exchanges_from_lines(path)
    assert next(lines).request.url == "https://api.openai.com/v1/threads/thread_abc"  # before the bad line is read
    with pytest.raises(NotLineCassette):
        list(lines)
    done = lint_file(path, contract)
    assert done.summary is None and "not a vcrpy cassette" in done.error  # nothing of the good part is kept


def test_bundled_cassettes_read_the_same():
    for path in sorted(CASSETTES.rglob("*.yaml")):
        assert list(exchanges_from_lines(path)) == read_exchanges(path), path


@pytest.mark.parametrize("interactions", [1, 2, 40])
def test_pieces_cover_the_file_at_line_starts(tmp_path, interactions):
    urls = [f"https://api.openai.com/v1/threads/t{i}" for i in range(interactions)]
    path = write(tmp_path / "c.yaml", *[record(uri=url) for url in urls])
    for count in [*range(1, 60), 500, 5000]:
        bounds = piece_bounds(path, count)
        assert bounds[0][0] == 0 and bounds[-1][1] == path.stat().st_size and len(bounds) <= count
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
        assert [e.request.url for start, end in bounds for _, e in exchanges_between(path, None, start, end)] == urls


# --- repeated requests -------------------------------------------------------------------------------------------

RUN = "https://api.openai.com/v1/threads/thread_abc/runs/run_1"
THREADS = "https://api.openai.com/v1/threads"
RUN_BODY = next(  # a run object as the reference server answers getRun
    e.response.body.decode()
    for e in read_exchanges(CASSETTES / "v2" / "runs.yaml")
    if e.request.method == "GET" and "/runs/run_" in e.request.url and "/steps" not in e.request.url
)


def test_a_request_recorded_again_is_a_warning_naming_the_earlier_one(tmp_path, contract):
    path = write(
        tmp_path / "polls.yaml",
        record(uri=RUN),  # 0
        record(uri=RUN),  # 1: the 2nd recording of #0
        record(method="POST", uri=THREADS, body='{"metadata": {"a": "1"}, "x": 1}'),  # 2
        record(uri=RUN),  # 3: the 3rd, the previous #1, the first #0
        record(method="POST", uri=THREADS, body='{"x": 1.0, "metadata": {"a": "1"}}'),  # 4: 1.0 is not 1 to replay
        record(method="POST", uri=THREADS, body='{"x": 1, "metadata": {"a": "1"}}'),  # 5: #2, in another key order
        record(uri=THREADS + "/thread_abc/messages?order=asc&limit=2"),  # 6
        record(uri="http://127.0.0.1:8080/v1/threads/thread_abc/messages?limit=2&order=asc"),  # 7: #6, elsewhere
        record(method="DELETE", uri=RUN),  # 8: another method
        record(uri=RUN + "?limit=1"),  # 9: another query
        record(method="POST", uri=THREADS, body=""),  # 10: no body
        record(method="POST", uri=THREADS, body="{}"),  # 11: an empty object is a body
    )
    done = lint_file(path, contract)
    found = [f for f in done.summary.findings if f.violation.code == REPEATED]
    assert [(f.index, f.violation.operation_id) for f in found] == [
        (1, "getRun"),
        (3, "getRun"),
        (5, "createThread"),
        (7, "listMessages"),
    ]
    assert all(f.violation.severity is Severity.WARNING and f.violation.side == "request" for f in found)
    one, three, five, seven = (f.violation.message for f in found)
    assert one == (
        "the same request as #0, GET /v1/threads/thread_abc/runs/run_1, recorded a 2nd time: a replay answers the"
        " 2nd identical request with it; vcrpy with allow_playback_repeats=True never plays it"
    )
    assert three.startswith("the same request as #1 (first at #0), GET /v1/threads/thread_abc/runs/run_1,")
    assert "recorded a 3rd time: a replay answers the 3rd identical request" in three
    assert five.startswith("the same request as #2, POST /v1/threads, recorded a 2nd time")
    assert seven.startswith("the same request as #6, GET /v1/threads/thread_abc/messages?limit=2&order=asc,")
    # After the exchange's own findings, as the exchange's last.
    of_five = [f.violation.code for f in done.summary.findings if f.index == 5]
    assert of_five[-1] == REPEATED and "request.body.unknown_property" in of_five


def test_a_remembered_request_verdict_is_what_checking_the_exchange_gives(tmp_path, contract):
    """lint remembers the request half of recent requests' verdicts (`Verdicts`): a request equal to an earlier one
    but for a header, or answered otherwise, still gets what `contract.check` gives it; and the memory is bounded."""
    created = json.dumps({**THREAD, "metadata": {"a": "1"}})
    path = write(
        tmp_path / "again.yaml",
        record(uri=RUN),
        record(uri=RUN, headers={"openai-beta": ["assistants=v2"]}),  # no Authorization header
        record(uri=RUN, headers={**V2, "openai-beta": ["assistants=v1"]}),  # the other version's document
        record(uri=RUN, status=404, response_body='{"error": {"message": "No run found", "type": "x"}}'),
        record(uri=RUN, response_body='{"id": 5}'),  # the same request, a body that breaks the contract
        record(method="POST", uri=THREADS, body='{"metadata": {"a": "1"}}', response_body=created),
        record(method="POST", uri=THREADS, body='{"metadata": 5}', response_body=created),
        record(method="POST", uri=THREADS, body='{"metadata": {"a": "1"}}', response_body="not JSON"),
        record(
            method="POST",
            uri=THREADS,
            body='{"metadata": {"a": "1"}}',
            headers={**V2, "content-type": ["text/plain"]},
            response_body=created,
        ),
    )
    exchanges = list(exchanges_from_lines(path))
    verdicts = Verdicts(contract, remember=len(exchanges))
    results = [verdicts.check(e) for e in exchanges * 2]
    assert results == [contract.check(e) for e in exchanges * 2]
    assert len({tuple(r.violations) for r in results}) >= 7  # the variants are told apart, not all alike
    assert len(verdicts) == len(exchanges) - 3  # the same request as #0, answered otherwise: remembered once
    small = Verdicts(contract, remember=2)
    assert [small.check(e) for e in exchanges * 2] == results
    assert len(small) == 2
    large = json.dumps({"metadata": {"a": "x" * 5000}})  # past what a remembered request may hold
    big = next(exchanges_from_lines(write(tmp_path / "big.yaml", record(method="POST", uri=THREADS, body=large))))
    assert small.check(big) == contract.check(big) and len(small) == 2
    assert big.request not in [match.request for match, _ in small._requests.values()]


def test_repeats_are_counted_per_cassette(tmp_path, contract):
    one = write(tmp_path / "a.yaml", record(uri=RUN))
    two = write(tmp_path / "b.yaml", record(uri=RUN), record(uri=RUN))
    found = [[f.index for f in o.summary.findings if f.violation.code == REPEATED] for o in lint_files([one, two])]
    assert found == [[], [1]]


# --- jobs and pieces -------------------------------------------------------------------------------------------------


def folder_of_everything(root: Path) -> Path:
    """Line cassettes with polls, the bundled ones, one vcrpy writes in block style, a HAR, and unusable files."""
    folder = root / "archive"
    shutil.copytree(CASSETTES, folder / "bundled")
    polls = [record(uri=RUN if i % 3 else f"https://api.openai.com/v1/threads/t{i % 7}") for i in range(60)]
    write(folder / "polls.yaml", *polls, record(uri=RUN, response_body=b"\xff"), *polls[:10])
    write(folder / "late-bad.yaml", *polls[:20], b"- {broken\n")
    import yaml

    block = {"version": 1, "interactions": [record(uri=RUN), record(uri=RUN)]}
    (folder / "block.yaml").write_text(yaml.safe_dump(block))
    (folder / "empty.yaml").write_bytes(HEADER)
    (folder / "browser.har").write_text(json.dumps({"log": {"entries": []}}))
    return folder


def run_lint(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("assistants-contract", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed"
    return subprocess.run([exe, "lint", *args], capture_output=True, text=True, timeout=120)


def test_jobs_give_the_same_report_exit_and_errors(tmp_path, contract):
    folder = folder_of_everything(tmp_path)
    one = run_lint("--format", "json", "--jobs", "1", str(folder))
    two = run_lint("--format", "json", "--jobs", "2", str(folder))
    assert one.returncode == two.returncode == 2  # the unusable files
    assert one.stdout == two.stdout and one.stderr == two.stderr
    summary = Summary.for_contract(contract)
    for done in lint_files(list(find_files([folder])), contract=contract):
        done.into(summary)  # the unusable files too, as the command reports them
    assert two.stdout == json_report.serialize(summary)  # written as it is encoded, the same text
    assert [line.split(":", 2)[1].strip() for line in two.stderr.splitlines()] == [
        str(folder / "empty.yaml"),
        str(folder / "late-bad.yaml"),
    ]
    report = json.loads(two.stdout)
    assert report["exchanges"] > 200 and report["warnings"] > 0


PIECES = """
import json, sys
from assistants_contract import Contract
from assistants_contract.lint import lint_files
from assistants_contract.report import Summary, json_report
from assistants_contract.sources import find_files

contract = Contract.load()
files = list(find_files([sys.argv[1]]))
for jobs, piece_bytes in ((1, 0), (2, 1500), (3, 4000)):
    summary, errors = Summary.for_contract(contract), []
    for done in lint_files(files, contract=contract, jobs=jobs, piece_bytes=piece_bytes):
        if done.summary is None:
            errors.append(done.error)
        else:
            summary.merge(done.summary)
    print(json.dumps([json_report.serialize(summary), errors]))
"""


def test_a_cassette_in_pieces_gives_what_it_gives_whole(tmp_path):
    # In a process of its own: the pool forks, and this one may have threads.
    folder = folder_of_everything(tmp_path)
    done = subprocess.run([sys.executable, "-c", PIECES, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    whole, *pieces = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(p == whole for p in pieces)
    report = json.loads(whole[0])
    repeats = [v for v in report["violations"] if v["code"] == "cassette.interaction.repeated"]
    # polls.yaml: 71 interactions, of 8 distinct requests (the run's and 7 threads')
    assert sum(v["source"]["file"].endswith("polls.yaml") for v in repeats) == 71 - 8


def test_summaries_merge_into_what_one_summary_gives(tmp_path, contract):
    path = write(tmp_path / "c.yaml", *TRICKY, *[record(uri=RUN)] * 3)
    exchanges = read_exchanges(path)
    whole = Summary.for_contract(contract).extend((e, contract.check(e)) for e in exchanges)
    halves = [
        Summary(documented={}).extend((e, contract.check(e)) for e in part) for part in (exchanges[:5], exchanges[5:])
    ]
    merged = Summary.for_contract(contract).merge(halves[0]).merge(halves[1])
    assert json_report.serialize(merged) == json_report.serialize(whole)
    assert merged.coverage == whole.coverage


# --- JUnit ---------------------------------------------------------------------------------------------------------


def test_junit_format(tmp_path, contract):
    path = write(
        tmp_path / "c.yaml",
        record(uri=RUN, response_body=RUN_BODY),
        record(uri=RUN, response_body=RUN_BODY),
        record(method="POST", uri=THREADS, body='{"colour": "red"}'),
    )
    done = run_lint("--format", "junit", str(path))
    assert done.returncode == 1, done.stderr
    expected = junit.serialize(Summary.for_contract(contract).merge(lint_file(path, contract).summary))
    assert done.stdout == expected
    suites = ET.fromstring(done.stdout)
    cases = {(c.get("classname"), c.get("name")): c for c in suites.iter("testcase")}
    create = cases["assistants-v2", "createThread"]
    assert "request.body.unknown_property" in create.find("failure").text
    get_run = cases["assistants-v2", "getRun"]
    assert get_run.find("failure") is None and "cassette.interaction.repeated" in get_run.find("system-out").text
    assert cases["assistants-v2", "deleteThread"].find("skipped") is not None
