"""Every bundled cassette replayed by the official openai Python client with no server (issue 9).

For each API version one script runs in its client venv (openai 1.20.0 for v1, the current openai for v2; see
`tests/conftest.py`) and drives every cassette's tour with the SDK's own methods, streaming helpers included
(`sdk_tours.py`), under vcrpy: `record_mode="none"`, no playback repeats, matched on method, path, query and the
body as `replay.matching.request_key` canonicalises it, plus the `OpenAI-Beta` header and whether
`Authorization` is sent. Each test reads one cassette's result: the tour raised nothing, played every
interaction once and in the recorded order, and the SDK parsed what the cassette answers.

The same script replays doctored copies of three cassettes (a body changed, two interactions swapped, one
added) and a cassette of the other API version, to show that each of those checks fails when it should, and
replays the runs cassette with the SDK's `create_and_poll`, which adds `"stream": false` to what was recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from server.support import ClientVenv, run_client

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
MATCHING = ROOT / "src" / "assistants_contract" / "replay" / "matching.py"
BASE_URL = "https://api.openai.com/v1"  # what the cassettes hold; vcrpy answers, nothing is listening
VERSIONS = ("v1", "v2")
CASES = [(version, path.stem) for version in VERSIONS for path in sorted((CASSETTES / version).glob("*.yaml"))]
EDITED_NAME = "Tour runner (edited)"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- running the script -------------------------------------------------------------------------------------


def _interactions(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text())["interactions"]


def _write_copy(source: Path, folder: Path, edit: Callable[[list[dict]], None]) -> Path:
    data = yaml.safe_load(source.read_text())
    edit(data["interactions"])
    target = folder / source.name
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


def _edit_body(interactions: list[dict]) -> None:
    body = json.loads(interactions[0]["request"]["body"])
    assert body["name"] == "Tour runner", "the runs tour's first request changed: update this test"
    interactions[0]["request"]["body"] = json.dumps({**body, "name": EDITED_NAME})


def _deletes(interactions: list[dict]) -> list[int]:
    found = [i for i, it in enumerate(interactions) if it["request"]["method"] == "DELETE"]
    assert len(found) == 3, "the assistants tour deletes three assistants: update this test"
    return found


def _swap_deletes(interactions: list[dict]) -> None:
    a, b = _deletes(interactions)[:2]
    interactions[a], interactions[b] = interactions[b], interactions[a]


def _add_one(interactions: list[dict]) -> None:
    interactions.append(interactions[1])


def _jobs(version: str, scratch: Path) -> list[dict]:
    folder = CASSETTES / version
    jobs = [{"key": name, "cassette": str(folder / f"{name}.yaml"), "tour": name} for v, name in CASES if v == version]
    for key, tour, edit in (
        ("edited-body", "runs", _edit_body),
        ("swapped", "assistants", _swap_deletes),
        ("one-more", "threads", _add_one),
    ):
        (scratch / key).mkdir()
        copy = _write_copy(folder / f"{tour}.yaml", scratch / key, edit)
        jobs.append({"key": key, "cassette": str(copy), "tour": tour})
    jobs.append({"key": "poll-helpers", "cassette": str(folder / "runs.yaml"), "tour": "poll-helpers"})
    other = CASSETTES / _other(version) / "threads.yaml"
    jobs.append({"key": "other-version", "cassette": str(other), "tour": "threads"})
    return [{**job, "version": version} for job in jobs]


def _other(version: str) -> str:
    return "v2" if version == "v1" else "v1"


def _replay(venv: ClientVenv, version: str, scratch: Path) -> dict[str, dict]:
    jobs = scratch / "jobs.json"
    jobs.write_text(json.dumps(_jobs(version, scratch)))
    script = f"""
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import sdk_tours
        emit(sdk_tours.replay_all(client, {str(MATCHING)!r}, json.loads(open({str(jobs)!r}).read())))
        """
    return run_client(venv, script, BASE_URL, timeout=180)


@pytest.fixture(scope="module")
def v1_replays(v1_client: ClientVenv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return _replay(v1_client, "v1", tmp_path_factory.mktemp("sdk-replay-v1"))


@pytest.fixture(scope="module")
def v2_replays(v2_client: ClientVenv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return _replay(v2_client, "v2", tmp_path_factory.mktemp("sdk-replay-v2"))


def _results(request: pytest.FixtureRequest, version: str) -> dict[str, dict]:
    return request.getfixturevalue(f"{version}_replays")


def problems(result: dict) -> list[str]:
    """What is wrong with one replay, one line each: an error (with the request vcrpy could not match and how it
    differs from the next recorded one), interactions played out of order, interactions never played."""
    found = []
    if result.get("error"):
        found.append("the tour raised " + "\n    ".join(result["error"].splitlines()[:6]))
        miss = result.get("miss")
        if miss:
            sent = f"  sent {miss['sent']} ({miss['reason']})"
            if miss["next"]:
                index, recorded = miss["next"]
                sent += f"; the next recorded request, #{index}, is {recorded}: " + "; ".join(miss["differences"])
            found.append(sent)
    if "played" in result:
        if result["played"] != sorted(result["played"]):
            found.append(f"interactions played in the order {result['played']}, not in the recorded one")
        if not result["all_played"]:
            never = sorted(set(range(result["interactions"])) - set(result["played"]))
            found.append(f"interactions never played: {never}")
    return found


# --- what the SDK should have parsed ------------------------------------------------------------------------


def _answers(version: str, name: str) -> list[Any]:
    """Each recorded answer: its JSON, or the text of an event stream."""
    out = []
    for interaction in _interactions(CASSETTES / version / f"{name}.yaml"):
        body = interaction["response"]["body"]["string"]
        out.append(body if body.startswith("event: ") else json.loads(body))
    return out


def _events(stream: str) -> list[str]:
    """The event names of a recorded stream, without the closing `done`, which the SDK does not hand on."""
    names = [block.split("\n", 1)[0].removeprefix("event: ") for block in stream.split("\n\n") if block]
    assert names[-1] == "done"
    return names[:-1]


def _ids(listing: dict) -> list[str]:
    return [item["id"] for item in listing["data"]]


def _is_error(found: dict, cls: str, status: int, answer: dict) -> None:
    assert found == {"class": cls, "status": status, "message": answer["error"]["message"]}


def check_assistants(version: str, got: dict, a: list) -> None:
    kinds = ["code_interpreter", "function"]
    assert got["made"] == [[a[i]["id"], f"Tour assistant {i + 1}", kinds] for i in range(3)]
    first = a[0]["id"]
    assert got["retrieved"] == [first, "Tour assistant 1"]
    assert got["renamed"] == [first, "Tour assistant 1, renamed", {"tour": "1"}]
    assert got["pages"] == [_ids(a[5]), _ids(a[6])] and len(got["pages"][0]) == 2
    assert got["has_more"] == [a[5]["has_more"], a[6]["has_more"]] and got["has_more"][0] is True
    assert got["deleted"] == [[made[0], True] for made in got["made"]]
    _is_error(got["gone"], "NotFoundError", 404, a[10])


def check_threads(version: str, got: dict, a: list) -> None:
    thread = a[0]["id"]
    assert thread.startswith("thread_")
    assert got["thread"] == [thread, {"a": "b"}] and got["retrieved"] == thread
    assert got["updated"] == {"a": "c"} and got["deleted"] == [thread, True]
    _is_error(got["gone"], "NotFoundError", 404, a[4])


def check_messages(version: str, got: dict, a: list) -> None:
    made = [m["id"] for m in a[1:6]]
    assert got["made"] == [[made[n], f"Message {n + 1}"] for n in range(5)]
    # The SDK's cursor pages through all five, two at a time, oldest first.
    assert got["pages"] == [made[0:2], made[2:4], made[4:5]]
    assert got["pages"] == [_ids(a[6]), _ids(a[7]), _ids(a[8])]
    assert got["before"] == _ids(a[9]) == [made[4], made[3]]
    assert got["retrieved"] == [made[0], "Message 1"]
    assert got["updated"] == [made[0], {"seen": "yes"}]
    if version == "v2":
        assert got["deleted"] == [made[4], True]
        _is_error(got["gone"], "NotFoundError", 404, a[13])
    else:
        assert "deleted" not in got


def check_runs(version: str, got: dict, a: list) -> None:
    run, reply = a[2]["id"], a[9]["data"][0]
    assert got["assistant"] == a[0]["id"]
    assert got["run"] == [run, "queued", run, "completed", a[4]["usage"]["total_tokens"]] and got["run"][4] > 0
    assert got["updated"] == [run, {"checked": "yes"}]
    assert got["runs"] == _ids(a[6]) == [run]
    assert got["steps"] == [[a[8]["id"], "message_creation", "completed"]]
    assert got["step"] == [a[8]["id"], reply["id"]]
    assert got["replies"] == [[reply["id"], "assistant", "You said: What is a run?"]]
    both = a[10]
    assert got["create_and_run"] == [both["id"], "queued", both["id"], "completed", both["thread_id"]]
    assert both["thread_id"] != a[1]["id"]


def _check_stream(summary: dict, stream: str, *, status: str, text: str) -> None:
    assert summary["events"] == _events(stream)
    assert summary["run"][1] == status
    assert summary["text"] == text
    assert summary["messages"] == ([[summary["messages"][0][0], text]] if text else [])


def check_streaming(version: str, got: dict, a: list) -> None:
    _check_stream(got["run_stream"], a[2], status="completed", text="You said: Stream this.")
    assert got["run_stream"]["run"][2] == a[1]["id"]
    assert got["messages"] == [
        [got["run_stream"]["messages"][0][0], "assistant", "You said: Stream this."],
        [a[3]["data"][1]["id"], "user", "Stream this."],
    ]
    second = got["create_and_run_stream"]
    _check_stream(second, a[4], status="completed", text="You said: Stream a new thread.")
    assert second["events"][0] == "thread.created" and second["run"][2] != a[1]["id"]


def check_tool_calls(version: str, got: dict, a: list) -> None:
    polled, run = got["polled"], a[2]["id"]
    call = a[4]["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    assert polled["required"] == [run, "requires_action", "submit_tool_outputs"]
    assert polled["calls"] == [[call["id"], "get_weather", call["function"]["arguments"]]]
    assert json.loads(polled["calls"][0][2]) == {"city": "example"}
    assert polled["submitted"] == [run, "queued"] and polled["done"] == [run, "completed"]
    assert polled["steps"] == [["message_creation", "completed"], ["tool_calls", "completed"]]
    streamed = got["streamed"]
    _check_stream(streamed["stream"], a[10], status="requires_action", text="")
    assert streamed["stream"]["tool_calls"] == [c[0] for c in streamed["calls"]] and len(streamed["calls"]) == 1
    assert streamed["calls"][0][1] == "get_weather"
    second = streamed["submit_tool_outputs_stream"]
    _check_stream(second, a[11], status="completed", text="Here is what the tools returned: 21 C and clear")
    assert second["run"][0] == streamed["stream"]["run"][0]


def check_cancel(version: str, got: dict, a: list) -> None:
    assert got == {"statuses": ["queued", "cancelling", "cancelled"], "ids": [a[2]["id"]] * 3}


def check_assistant_files(version: str, got: dict, a: list) -> None:
    assistant, file = a[0]["id"], "file-tourI9j0K1l2M3n4O5p6"
    assert got["assistant"] == [assistant, ["file-tourA1b2C3d4E5f6G7h8"]]
    assert got["attached"] == [file, "assistant.file", assistant]
    assert got["listed"] == [_ids(a[2]), a[2]["has_more"]] and len(got["listed"][0]) == 1
    assert got["retrieved"] == [file, assistant]
    assert got["deleted"] == [file, "assistant.file.deleted", True]
    _is_error(got["gone"], "NotFoundError", 404, a[5])


def check_message_files(version: str, got: dict, a: list) -> None:
    message, file = a[1]["id"], "file-tourQ7r8S9t0U1v2W3x4"
    assert got == {
        "message": [message, [file]],
        "files": [[file, "thread.message.file", message]],
        "retrieved": [file, "thread.message.file", message],
    }


def check_errors(version: str, got: dict, a: list) -> None:
    _is_error(got["unknown_id"], "NotFoundError", 404, a[0])
    _is_error(got["wrong_prefix"], "BadRequestError", 400, a[1])
    _is_error(got["no_model"], "BadRequestError", 400, a[2])
    _is_error(got["unknown_argument"], "BadRequestError", 400, a[3])
    _is_error(got["no_beta_header"], "BadRequestError", 400, a[4])
    _is_error(got["no_key"], "AuthenticationError", 401, a[5])
    _is_error(got["wrong_key"], "AuthenticationError", 401, a[6])
    assert "OpenAI-Beta" in got["no_beta_header"]["message"] and "API key" in got["no_key"]["message"]


CHECKS: dict[str, Callable[[str, dict, list], None]] = {
    "assistants": check_assistants,
    "threads": check_threads,
    "messages": check_messages,
    "runs": check_runs,
    "streaming": check_streaming,
    "tool-calls": check_tool_calls,
    "cancel": check_cancel,
    "assistant-files": check_assistant_files,
    "message-files": check_message_files,
    "errors": check_errors,
}


# --- the tests ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "name"), CASES, ids=[f"{v}-{n}" for v, n in CASES])
def test_sdk_replays_cassette(request: pytest.FixtureRequest, version: str, name: str) -> None:
    result = _results(request, version)[name]
    found = problems(result)
    assert not found, f"cassettes/{version}/{name}.yaml with the SDK:\n" + "\n".join(found)
    assert name in CHECKS, f"no check of what the SDK parsed from cassettes/{version}/{name}.yaml"
    CHECKS[name](version, result["values"], _answers(version, name))


def test_every_cassette_is_checked() -> None:
    assert {name for _, name in CASES} == set(CHECKS)
    assert {version for version, _ in CASES} == set(VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_changed_body_is_not_replayed(request: pytest.FixtureRequest, version: str) -> None:
    result = _results(request, version)["edited-body"]
    assert result["values"] is None and result["played"] == [] and not result["all_played"]
    assert problems(result)[1].endswith(
        f'#0, is POST /v1/assistants: body /name: recorded "{EDITED_NAME}", sent "Tour runner"'
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_interactions_played_out_of_order_fail(request: pytest.FixtureRequest, version: str) -> None:
    result = _results(request, version)["swapped"]
    assert result["error"] is None and result["all_played"]  # vcrpy itself plays a match from anywhere
    a, b = _deletes(_interactions(CASSETTES / version / "assistants.yaml"))[:2]
    played = list(range(result["interactions"]))
    played[a], played[b] = b, a  # the SDK deletes in the tour's order, which the copy no longer records
    assert problems(result) == [f"interactions played in the order {played}, not in the recorded one"]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_interaction_never_played_fails(request: pytest.FixtureRequest, version: str) -> None:
    result = _results(request, version)["one-more"]
    recorded = len(_interactions(CASSETTES / version / "threads.yaml"))
    assert result["error"] is None and result["played"] == list(range(recorded))
    assert problems(result) == [f"interactions never played: [{recorded}]"]


@pytest.mark.parametrize("version", VERSIONS)
def test_poll_helpers_replay_what_create_and_poll_recorded(request: pytest.FixtureRequest, version: str) -> None:
    """`create_and_poll` sends `"stream": false`, which the recording (`runs.create`, then `runs.poll`) has not:
    it matches all the same, and polls through the recorded answers to the finished run."""
    result = _results(request, version)["poll-helpers"]
    a = _answers(version, "runs")
    assert result["error"] is None and result["played"] == [0, 1, 2, 3, 4]
    assert result["values"]["run"] == [a[2]["id"], "completed"] and a[4]["status"] == "completed"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_other_versions_cassette_is_not_replayed(request: pytest.FixtureRequest, version: str) -> None:
    """The SDK sends its own `OpenAI-Beta` (1.20.0 `assistants=v1`, the current one `assistants=v2`), and the
    replay compares it: the same tour recorded for the other version does not match."""
    result = _results(request, version)["other-version"]
    assert result["played"] == []
    assert result["miss"]["differences"] == [
        f"OpenAI-Beta: recorded 'assistants={_other(version)}', sent 'assistants={version}'"
    ]
