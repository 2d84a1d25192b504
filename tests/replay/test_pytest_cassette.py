"""`@pytest.mark.assistants_cassette`: a client's test replays a vcrpy cassette, and every request it sends is
checked against the contract.

The cassettes are recorded once for the module: the openai SDK (`conversation.py`) against the reference
server while vcrpy records; the server is stopped before any test replays. Inner pytest runs (pytester, in
process, so the SDK and the contract are imported once) hold the tests a user would write.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml
from vcr.request import Request as VcrRequest

from assistants_contract.replay.cassette_check import MATCHERS
from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

from . import conversation as conversation_module
from .conversation import client, conversation

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.filterwarnings("ignore:.*(deprecated|Assistants API).*:DeprecationWarning")

SECRET = "sk-live-abcdefghijklmnopqrstuvwx0123"
INNER_ARGS = ("-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
FILE_IDS_BODY = {"model": "gpt-4o", "name": "helper", "instructions": "Answer briefly.", "file_ids": ["file-abc123"]}


@dataclass(frozen=True)
class Recorded:
    folder: Path  # conversation.yaml (the SDK's conversation), file_ids.yaml (one v2 createAssistant with file_ids)
    result: dict[str, Any]  # what `conversation` returned while recording
    interactions: int


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, assistants_contract) -> Recorded:
    folder = tmp_path_factory.mktemp("cassettes")
    recorder = vcr.VCR(record_mode="all", filter_headers=["authorization"], decode_compressed_response=True)
    with serve_in_thread(create_app("stateful", contract=assistants_contract)) as root:
        with recorder.use_cassette(str(folder / "conversation.yaml")) as cassette:
            result = conversation(client(root + "/v1"))
    # A cassette that answers a v1 argument on v2 with 200 (as a lenient server would): only the check can fail
    # the client's test. The reference server itself answers 400.
    data = yaml.safe_load((folder / "conversation.yaml").read_text())
    create = data["interactions"][0]
    assert create["request"]["uri"].endswith("/v1/assistants") and create["response"]["status"]["code"] == 200
    create["request"]["body"] = json.dumps(FILE_IDS_BODY)
    (folder / "file_ids.yaml").write_text(yaml.safe_dump({"interactions": [create], "version": 1}))
    return Recorded(folder, result, len(cassette))


def run_inner(
    pytester: pytest.Pytester, recorded: Recorded, test_source: str, *args: str, **files: str
) -> pytest.RunResult:
    """Run `test_source` as an inner test module, with the cassettes in `cassettes/` and `conversation.py`."""
    shutil.copytree(recorded.folder, pytester.path / "cassettes")
    pytester.makepyfile(conversation=Path(conversation_module.__file__).read_text())
    for name, source in files.items():
        pytester.makepyfile(**{name: textwrap.dedent(source)})
    header = f"import pytest\nfrom conversation import client, conversation\nRECORDED = {recorded.result!r}\n"
    pytester.makepyfile(test_inner=header + textwrap.dedent(test_source))
    return pytester.runpytest(*INNER_ARGS, *args)


def test_the_recording_is_a_whole_conversation(recorded):
    assert recorded.result["run"][1] == "completed"
    assert [role for role, _ in recorded.result["messages"]] == ["user", "assistant"]
    assert recorded.interactions >= 6  # create assistant, thread, message, run, at least one poll, list


def test_a_conforming_client_replays_with_no_server_running(pytester, recorded):
    result = run_inner(
        pytester,
        recorded,
        """
        @pytest.mark.assistants_cassette("cassettes/conversation.yaml")
        def test_conversation(assistants_cassette):
            assert conversation(client()) == RECORDED
            assert assistants_cassette.all_played and assistants_cassette.play_count == len(assistants_cassette)
        """,
    )
    result.assert_outcomes(passed=1)
    assert "assistants-contract:" not in result.stdout.str()


def test_a_v1_field_on_v2_fails_the_test_even_though_the_cassette_answers_it(pytester, recorded):
    result = run_inner(
        pytester,
        recorded,
        f"""
        import httpx

        @pytest.mark.assistants_cassette("cassettes/file_ids.yaml")
        def test_file_ids(assistants_cassette):
            created = client().beta.assistants.create(
                model="gpt-4o", name="helper", instructions="Answer briefly.",
                extra_body={{"file_ids": ["file-abc123"]}},
            )
            assert created.id == RECORDED["assistant"] and assistants_cassette.play_count == 1

        @pytest.mark.assistants_cassette("cassettes/file_ids.yaml")
        def test_no_beta_header():
            headers = {{"content-type": "application/json", "authorization": "Bearer {SECRET}"}}
            answer = httpx.post("http://localhost:9/v1/assistants", json={FILE_IDS_BODY!r}, headers=headers)
            assert answer.status_code == 200
        """,
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_file_ids _*",
            "assistants-contract: 1 error in 1 of the 1 requests sent through */cassettes/file_ids.yaml:",
            "  POST /v1/assistants (v2 createAssistant)",
            "    error request.body.unknown_property at /file_ids: *'file_ids' is an assistants=v1 argument*",
            "*_ test_no_beta_header _*",
            "  POST /v1/assistants (v2 createAssistant)",
            "    error request.header.missing at /openai-beta: *",
            "    error request.body.unknown_property at /file_ids: *",
        ]
    )
    out = result.stdout.str()
    assert "AssertionError" not in out  # the tests' own assertions held: the cassette answered both
    assert SECRET not in out


def test_a_changed_body_with_no_recording_names_the_closest_recording_and_what_differs(pytester, recorded):
    result = run_inner(
        pytester,
        recorded,
        f"""
        from vcr.errors import CannotOverwriteExistingCassetteException

        @pytest.mark.assistants_cassette("cassettes/conversation.yaml")
        def test_other_model():
            client().beta.assistants.create(model="gpt-4", name="helper", instructions="Answer briefly.")

        @pytest.mark.assistants_cassette("cassettes/conversation.yaml")
        def test_error_swallowed():
            with pytest.raises(CannotOverwriteExistingCassetteException):
                client().beta.assistants.create(model="gpt-4o", name="helper", instructions="{SECRET}")
        """,
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            # vcrpy's own error, through our matchers
            "*no recorded interaction matches it (the closest differ in assistants_body)*",
            '*assistants_body differs: body /model: recorded "gpt-4o", sent "gpt-4"',
            # and the check's section beside it
            "*Captured assistants-contract call*",
            "assistants-contract: 1 request with no recording in */cassettes/conversation.yaml (record_mode none):",
            "  POST /v1/assistants",
            "    closest recorded: interaction 0, POST /v1/assistants",
            '      body /model: recorded "gpt-4o", sent "gpt-4"',
            # a test that caught vcrpy's error still fails
            "*_ test_error_swallowed _*",
            "assistants-contract: 1 request with no recording in *",
            "    closest recorded: interaction 0, POST /v1/assistants",
            '      body /instructions: recorded "Answer briefly.", sent "sk-REDACTED"',
        ]
    )
    assert SECRET not in result.stdout.str()


def test_a_json_body_matches_whatever_its_key_order_and_whitespace(pytester, recorded):
    result = run_inner(
        pytester,
        recorded,
        """
        import httpx

        BODY = b'{ "instructions" : "Answer briefly.",\\n\\t"name": "helper",   "model":"gpt-4o" }'
        HEADERS = {"content-type": "application/json", "openai-beta": "assistants=v2"}  # no key: a warning

        @pytest.mark.assistants_cassette("conversation.yaml")
        def test_reordered():
            answer = httpx.post("http://127.0.0.2:1/v1/assistants", content=BODY, headers=HEADERS)
            assert answer.status_code == 200 and answer.json()["id"] == RECORDED["assistant"]

        @pytest.mark.assistants_cassette("conversation.yaml", allow_playback_repeats=True)
        def test_repeated():
            for _ in range(3):
                assert httpx.post("http://localhost:9/v1/assistants", content=BODY, headers=HEADERS).status_code == 200

        @pytest.mark.assistants_cassette("conversation.yaml")
        def test_another_value():
            other = BODY.replace(b"helper", b"Helper")
            with pytest.raises(Exception, match="assistants_body differs"):
                httpx.post("http://localhost:9/v1/assistants", content=other, headers=HEADERS)
        """,
        "-rfEP",
        conftest="""
        import pytest

        @pytest.fixture
        def assistants_cassette_dir(request):
            return request.config.rootpath / "cassettes"
        """,
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_inner.py::test_another_value*"])
    result.stdout.fnmatch_lines(['      body /name: recorded "helper", sent "Helper"'])
    # A warning does not fail a test; it is reported beside it.
    result.stdout.fnmatch_lines(
        [
            "*_ test_reordered _*",
            "*Captured assistants-contract call*",
            "assistants-contract: 1 warning in 1 of the 1 requests sent through */cassettes/conversation.yaml:",
            "    warning request.auth.missing at /authorization: *",
        ]
    )


PYTEST_RECORDING_CONFTEST = """
import pytest

@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    return str(request.config.rootpath / "cassettes")

@pytest.fixture(scope="module")
def vcr_config():
    # vcrpy's strictest usual matching: a client on another base URL than the recording's does not match
    return {"match_on": ["method", "scheme", "host", "port", "path", "query", "body"]}
"""


def test_pytest_recording_cassettes_are_checked_and_matched_the_same_way(pytester, recorded):
    result = run_inner(
        pytester,
        recorded,
        """
        @pytest.mark.vcr("conversation.yaml")
        @pytest.mark.assistants_cassette
        def test_vcr_conversation(vcr, assistants_cassette):
            assert assistants_cassette is vcr
            assert conversation(client()) == RECORDED
            assert vcr.all_played

        @pytest.mark.vcr("file_ids.yaml")
        @pytest.mark.assistants_cassette
        def test_vcr_file_ids():
            client().beta.assistants.create(
                model="gpt-4o", name="helper", instructions="Answer briefly.", extra_body={"file_ids": ["file-abc123"]}
            )

        @pytest.mark.vcr("conversation.yaml")
        def test_vcr_alone():
            conversation(client())

        @pytest.mark.vcr("conversation.yaml", match_on=["method", "path", "assistants_query", "assistants_body"])
        def test_vcr_config_names_our_matchers():
            assert conversation(client()) == RECORDED
        """,
        conftest=PYTEST_RECORDING_CONFTEST,
    )
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_vcr_file_ids _*",
            "assistants-contract: 1 error in 1 of the 1 requests sent through */cassettes/test_vcr_file_ids.yaml:",
            "    error request.body.unknown_property at /file_ids: *",
        ]
    )
    # Without the marker, pytest-recording's own matching and no check: the other base URL does not match.
    result.stdout.fnmatch_lines(["*_ test_vcr_alone _*", "*the closest differ in host and port*"])
    result.stdout.no_fnmatch_line("*assistants-contract: * in test_vcr_alone*")
    assert not (pytester.path / "cassettes" / "test_vcr_conversation.yaml").exists()  # record mode none wrote nothing


def test_a_misused_marker_says_what_to_change(pytester, recorded):
    result = run_inner(
        pytester,
        recorded,
        """
        @pytest.mark.assistants_cassette
        def test_no_path_no_vcr():
            pass

        @pytest.mark.assistants_cassette("cassettes/missing.yaml")
        def test_missing():
            pass

        @pytest.mark.assistants_cassette("cassettes/conversation.yaml", recordmode="all")
        def test_unknown_option():
            pass

        @pytest.mark.assistants_cassette("cassettes/conversation.yaml", match_on=["method", "jsonbody"])
        def test_unknown_matcher():
            pass

        def test_fixture_without_marker(assistants_cassette):
            pass
        """,
    )
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines_random(
        [
            "*has no path, so it checks the cassette of @pytest.mark.vcr (pytest-recording), and the test has none*",
            "*cassette */cassettes/missing.yaml does not exist ('cassettes/missing.yaml' under *); fix the path*",
            "*test_unknown_option: unknown option recordmode; it takes path, match_on, and *record_mode*",
            "*test_unknown_matcher: unknown matcher 'jsonbody'; choose from assistants_body, *",
            "*the assistants_cassette fixture needs a cassette: mark test_fixture_without_marker with*",
        ]
    )


# --- the matchers, directly ------------------------------------------------------------------------------------


def _request(body: str, uri: str = "http://127.0.0.1:1/v1/assistants?b=2&a=1", method: str = "POST") -> VcrRequest:
    return VcrRequest(method, uri, body, {"content-type": "application/json"})


def _mismatch(matcher: str, sent: VcrRequest, recorded: VcrRequest) -> str | None:
    try:
        MATCHERS[matcher](sent, recorded)
    except AssertionError as e:
        return str(e)
    return None


def test_the_matchers_compare_the_request_key_parts_and_say_what_differs():
    recorded = _request('{"model":"gpt-4o","metadata":{"a":"1"}}')
    same = _request(
        '{ "metadata": {"a": "1"},\n "model": "gpt-4o" }', uri="https://api.openai.com/v1/assistants?a=1&b=2"
    )
    assert all(_mismatch(name, same, recorded) is None for name in MATCHERS)

    other = _request('{"model":"gpt-4","metadata":{"a":"2"}}', uri="http://x/v1/threads?a=1", method="GET")
    assert _mismatch("assistants_body", other, recorded) == (
        'body /metadata/a: recorded "1", sent "2"\nbody /model: recorded "gpt-4o", sent "gpt-4"'
    )
    assert _mismatch("assistants_method", other, recorded) == "method: recorded POST, sent GET"
    assert _mismatch("assistants_path", other, recorded) == "path: recorded /v1/assistants, sent /v1/threads"
    assert _mismatch("assistants_query", other, recorded) == "query: recorded a=1&b=2, sent a=1"


def test_stream_false_matches_a_body_without_stream_and_nothing_else_does():
    """What the SDK's `*_and_poll` helpers send matches what `runs.create` recorded; a stream does not, and
    neither does a `stream` key deeper in the body, which is data, not the API's switch."""
    recorded = _request('{"assistant_id":"asst_1"}')
    assert _mismatch("assistants_body", _request('{"assistant_id":"asst_1","stream":false}'), recorded) is None
    assert _mismatch("assistants_body", _request('{"assistant_id":"asst_1","stream":true}'), recorded) == (
        "body /stream: recorded nothing, sent true"
    )
    nested = _request('{"assistant_id":"asst_1","metadata":{"stream":false}}')
    assert _mismatch("assistants_body", nested, _request('{"assistant_id":"asst_1","metadata":{}}')) is not None
