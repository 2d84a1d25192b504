"""The reference server's Store in process, no HTTP: pagination, cascades, the run lifecycle, expiry, the lock."""

from __future__ import annotations

import threading

import pytest

from assistants_contract.server import Store
from assistants_contract.server.errors import BadRequest, NotFound

from .support import FILE_A, FILE_B, FILE_C, WEATHER_TOOL

T0 = 1_700_000_000


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Store:
    return Store(clock=clock)


@pytest.fixture
def fixed() -> Store:
    return Store(clock=lambda: T0)


def _assistant(store: Store, **fields) -> dict:
    return store.create_assistant({"model": "gpt-4o", **fields})


def _thread_with_message(store: Store, text: str = "hello") -> dict:
    return store.create_thread({"messages": [{"role": "user", "content": text}]})


def _drive(store: Store, run: dict, until: tuple[str, ...] = ("completed", "failed", "incomplete", "expired")) -> list:
    """Read the run until its status is one of `until`; return every status seen (creation included)."""
    seen = [run["status"]]
    for _ in range(10):
        if seen[-1] in until:
            return seen
        seen.append(store.get_run(run["thread_id"], run["id"])["status"])
    raise AssertionError(f"run stuck: {seen}")


# --- pagination ----------------------------------------------------------------------------------------------


def test_ids_look_like_the_real_ones(fixed):
    assistant = _assistant(fixed)
    thread = _thread_with_message(fixed)
    assert assistant["id"].startswith("asst_") and len(assistant["id"]) == 29
    assert thread["id"].startswith("thread_") and len(thread["id"]) == 31
    message = next(iter(fixed.messages[thread["id"]].values()))
    assert message["id"].startswith("msg_")
    assert assistant["created_at"] == T0 and isinstance(assistant["created_at"], int)


def test_list_orders_ties_in_created_at_by_creation_order(fixed):
    ids = [_assistant(fixed, name=str(i))["id"] for i in range(5)]
    assert [a["id"] for a in fixed.list_assistants()["data"]] == ids[::-1]
    assert [a["id"] for a in fixed.list_assistants(order="asc")["data"]] == ids


def test_created_at_sorts_before_creation_order():
    times = iter([T0 + 5, T0 + 1, T0 + 3])
    store = Store(clock=lambda: next(times))
    late, early, middle = (_assistant(store)["id"] for _ in range(3))
    assert [a["id"] for a in store.list_assistants(order="asc")["data"]] == [early, middle, late]


def test_page_fields(fixed):
    ids = [_assistant(fixed)["id"] for _ in range(5)]  # desc order: ids[4] .. ids[0]
    page = fixed.list_assistants(limit=2)
    assert page["object"] == "list"
    assert [a["id"] for a in page["data"]] == [ids[4], ids[3]]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (ids[4], ids[3], True)
    page = fixed.list_assistants(limit=2, after=ids[3])
    assert [a["id"] for a in page["data"]] == [ids[2], ids[1]] and page["has_more"] is True
    page = fixed.list_assistants(limit=2, after=ids[1])
    assert [a["id"] for a in page["data"]] == [ids[0]] and page["has_more"] is False
    assert page["first_id"] == page["last_id"] == ids[0]
    page = fixed.list_assistants(limit=2, after=ids[0])
    assert page == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    assert fixed.list_assistants(limit=5)["has_more"] is False
    assert fixed.list_assistants(limit=4)["has_more"] is True


def test_default_limit_is_20(fixed):
    for _ in range(25):
        _assistant(fixed)
    page = fixed.list_assistants()
    assert len(page["data"]) == 20 and page["has_more"] is True


def test_before_takes_the_nearest_items_and_after_the_next(fixed):
    ids = [_assistant(fixed)["id"] for _ in range(6)]
    # desc: 5 4 3 2 1 0; before=2 -> the two nearest before it: 4 3; more remain (5)
    page = fixed.list_assistants(limit=2, before=ids[2])
    assert [a["id"] for a in page["data"]] == [ids[4], ids[3]] and page["has_more"] is True
    page = fixed.list_assistants(limit=2, before=ids[4])
    assert [a["id"] for a in page["data"]] == [ids[5]] and page["has_more"] is False
    # asc: 0 1 2 3 4 5; before=3 -> 1 2
    page = fixed.list_assistants(limit=2, order="asc", before=ids[3])
    assert [a["id"] for a in page["data"]] == [ids[1], ids[2]]
    # both cursors: strictly between them
    page = fixed.list_assistants(limit=10, order="asc", after=ids[0], before=ids[4])
    assert [a["id"] for a in page["data"]] == ids[1:4]
    assert fixed.list_assistants(after=ids[4], before=ids[1], order="asc")["data"] == []


def test_unknown_cursor_gives_an_empty_page(fixed):
    _assistant(fixed)
    assert fixed.list_assistants(after="asst_unknown")["data"] == []
    assert fixed.list_assistants(before="asst_unknown")["data"] == []


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 7, 100])
def test_following_after_visits_every_item_once(fixed, order, limit):
    thread = fixed.create_thread({})
    made = [fixed.create_message(thread["id"], {"role": "user", "content": str(i)})["id"] for i in range(130)]
    seen, after, pages = [], None, 0
    while True:
        page = fixed.list_messages(thread["id"], limit=limit, order=order, after=after)
        pages += 1
        if not page["data"]:
            break
        seen.extend(m["id"] for m in page["data"])
        after = page["last_id"]
        assert page["has_more"] == (len(seen) < 130)
    assert seen == (made if order == "asc" else made[::-1])
    assert pages == -(-130 // limit) + 1


def test_list_messages_filters_by_run(fixed):
    assistant = _assistant(fixed)
    thread = _thread_with_message(fixed)
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    _drive(fixed, run)
    by_run = fixed.list_messages(thread["id"], run_id=run["id"])["data"]
    assert [m["role"] for m in by_run] == ["assistant"] and by_run[0]["run_id"] == run["id"]
    assert len(fixed.list_messages(thread["id"])["data"]) == 2
    assert fixed.list_messages(thread["id"], run_id="run_other")["data"] == []


def test_message_files_keep_attachment_order(fixed):
    thread = fixed.create_thread({})
    message = fixed.create_message(thread["id"], {"role": "user", "content": "x", "file_ids": [FILE_A, FILE_B]})
    asc = fixed.list_message_files(thread["id"], message["id"], order="asc")
    assert [f["id"] for f in asc["data"]] == [FILE_A, FILE_B]
    assert all(f["object"] == "thread.message.file" and f["message_id"] == message["id"] for f in asc["data"])
    assert fixed.get_message_file(thread["id"], message["id"], FILE_B)["id"] == FILE_B
    with pytest.raises(NotFound):
        fixed.get_message_file(thread["id"], message["id"], FILE_C)


def test_message_files_order_does_not_depend_on_other_messages(fixed):
    thread = fixed.create_thread({})
    first = fixed.create_message(thread["id"], {"role": "user", "content": "x", "file_ids": [FILE_B]})
    fixed.list_message_files(thread["id"], first["id"])
    second = fixed.create_message(thread["id"], {"role": "user", "content": "y", "file_ids": [FILE_A, FILE_B]})
    asc = fixed.list_message_files(thread["id"], second["id"], order="asc")
    assert [f["id"] for f in asc["data"]] == [FILE_A, FILE_B]


def test_assistant_files_crud(fixed):
    assistant = _assistant(fixed)
    created = fixed.create_assistant_file(assistant["id"], FILE_A)
    assert created == {"id": FILE_A, "object": "assistant.file", "created_at": T0, "assistant_id": assistant["id"]}
    assert fixed.create_assistant_file(assistant["id"], FILE_A) == created  # attaching twice changes nothing
    assert assistant["file_ids"] == [FILE_A]
    assert fixed.get_assistant_file(assistant["id"], FILE_A) == created
    deleted = fixed.delete_assistant_file(assistant["id"], FILE_A)
    assert deleted == {"id": FILE_A, "object": "assistant.file.deleted", "deleted": True}
    with pytest.raises(NotFound):
        fixed.get_assistant_file(assistant["id"], FILE_A)
    for i in range(21):  # not capped one by one (see create_assistant_file)
        fixed.create_assistant_file(assistant["id"], f"file-{i:024d}")
    assert len(fixed.get_assistant(assistant["id"])["file_ids"]) == 21


def test_assistant_files_given_at_creation_sort_before_later_ones(fixed):
    assistant = _assistant(fixed, file_ids=[FILE_A])
    fixed.create_assistant_file(assistant["id"], FILE_B)
    asc = fixed.list_assistant_files(assistant["id"], order="asc")
    assert [f["id"] for f in asc["data"]] == [FILE_A, FILE_B]


# --- not found, deletion cascade -----------------------------------------------------------------------------


def test_not_found_messages(fixed):
    thread = fixed.create_thread({})
    cases = [
        (lambda: fixed.get_assistant("asst_x"), "No assistant found with id 'asst_x'."),
        (lambda: fixed.get_thread("thread_x"), "No thread found with id 'thread_x'."),
        (lambda: fixed.get_message(thread["id"], "msg_x"), "No message found with id 'msg_x'."),
        (lambda: fixed.get_run(thread["id"], "run_x"), "No run found with id 'run_x'."),
        (lambda: fixed.list_messages("thread_x"), "No thread found with id 'thread_x'."),
    ]
    for call, message in cases:
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.body()["error"] == {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
        assert caught.value.status == 404


def test_deleting_a_thread_removes_its_messages_runs_and_steps(fixed):
    assistant = _assistant(fixed)
    doomed = _thread_with_message(fixed, "bye")
    kept = _thread_with_message(fixed, "stay")
    for thread in (doomed, kept):
        _drive(fixed, fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2"))
    assert fixed.snapshot() == {"assistants": 1, "threads": 2, "messages": 4, "runs": 2, "steps": 2}
    (doomed_run,) = fixed.runs[doomed["id"]]
    message_id = next(iter(fixed.messages[doomed["id"]]))
    assert fixed.delete_thread(doomed["id"]) == {"id": doomed["id"], "object": "thread.deleted", "deleted": True}
    assert fixed.snapshot() == {"assistants": 1, "threads": 1, "messages": 2, "runs": 1, "steps": 1}
    assert doomed["id"] not in fixed.messages and doomed["id"] not in fixed.runs and doomed_run not in fixed.steps
    for call in (
        lambda: fixed.get_thread(doomed["id"]),
        lambda: fixed.get_message(doomed["id"], message_id),
        lambda: fixed.get_run(doomed["id"], doomed_run),
        lambda: fixed.list_steps(doomed["id"], doomed_run),
        lambda: fixed.delete_thread(doomed["id"]),
    ):
        with pytest.raises(NotFound, match="No thread found"):
            call()
    assert len(fixed.list_messages(kept["id"])["data"]) == 2


def test_deleting_an_assistant_or_a_message(fixed):
    assistant = _assistant(fixed)
    assert fixed.delete_assistant(assistant["id"])["deleted"] is True
    assert fixed.list_assistants()["data"] == []
    thread = _thread_with_message(fixed)
    (message_id,) = fixed.messages[thread["id"]]
    assert fixed.delete_message(thread["id"], message_id) == {
        "id": message_id,
        "object": "thread.message.deleted",
        "deleted": True,
    }
    assert fixed.snapshot()["messages"] == 0
    with pytest.raises(NotFound):
        fixed.delete_message(thread["id"], message_id)


def test_create_thread_and_run_with_an_unknown_assistant_creates_nothing(fixed):
    with pytest.raises(NotFound, match="No assistant found with id 'asst_x'."):
        fixed.create_thread_and_run({"assistant_id": "asst_x", "thread": {"messages": []}}, "v2")
    assert fixed.snapshot() == {"assistants": 0, "threads": 0, "messages": 0, "runs": 0, "steps": 0}


# --- the run lifecycle ---------------------------------------------------------------------------------------


def test_plain_run_moves_one_step_per_read(fixed):
    assistant = _assistant(fixed, instructions="Be brief.")
    thread = _thread_with_message(fixed, "what is up")
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    assert run["status"] == "queued" and run["started_at"] is None and run["expires_at"] == T0 + 600
    assert run["instructions"] == "Be brief." and run["usage"] is None
    assert _drive(fixed, run) == ["queued", "in_progress", "completed"]
    assert run["started_at"] == T0 and run["completed_at"] == T0 and run["expires_at"] is None
    assert run["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    reply = fixed.list_messages(thread["id"])["data"][0]
    assert reply["content"][0]["text"]["value"] == "You said: what is up"
    assert (reply["assistant_id"], reply["run_id"], reply["status"]) == (assistant["id"], run["id"], "completed")
    (step,) = fixed.list_steps(thread["id"], run["id"])["data"]
    assert step["type"] == "message_creation" and step["status"] == "completed"
    assert step["step_details"]["message_creation"]["message_id"] == reply["id"]
    assert fixed.get_step(thread["id"], run["id"], step["id"]) is step
    assert fixed.get_run(thread["id"], run["id"])["status"] == "completed"  # terminal: reads change nothing


def test_list_runs_advances_runs_too(fixed):
    assistant = _assistant(fixed)
    thread = _thread_with_message(fixed)
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    assert fixed.list_runs(thread["id"])["data"][0]["status"] == "in_progress"
    assert fixed.list_runs(thread["id"])["data"][0]["status"] == "completed"
    assert run["status"] == "completed"


def test_function_tools_require_action_then_complete(fixed):
    assistant = _assistant(fixed, tools=[WEATHER_TOOL])
    thread = _thread_with_message(fixed, "weather?")
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    assert _drive(fixed, run, until=("requires_action",)) == ["queued", "in_progress", "requires_action"]
    (call,) = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert call["id"].startswith("call_") and call["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "example"}',
    }
    (step,) = fixed.list_steps(thread["id"], run["id"])["data"]
    assert step["type"] == "tool_calls" and step["status"] == "in_progress" and step["usage"] is None
    assert step["step_details"]["tool_calls"][0]["function"]["output"] is None
    with pytest.raises(BadRequest, match=r"Expected tool outputs for call_ids \['call_"):
        fixed.submit_tool_outputs(thread["id"], run["id"], {"tool_outputs": [{"output": "x"}]})
    resumed, completed = fixed.submit_tool_outputs(
        thread["id"], run["id"], {"tool_outputs": [{"tool_call_id": call["id"], "output": "sunny"}]}
    )
    assert resumed["status"] == "queued" and resumed["required_action"] is None
    assert [s["status"] for s in completed] == ["completed"]
    assert completed[0]["step_details"]["tool_calls"][0]["function"]["output"] == "sunny"
    assert _drive(fixed, run) == ["queued", "in_progress", "completed"]
    assert fixed.list_messages(thread["id"])["data"][0]["content"][0]["text"]["value"] == (
        "Here is what the tools returned: sunny"
    )
    assert [s["type"] for s in fixed.list_steps(thread["id"], run["id"], order="asc")["data"]] == [
        "tool_calls",
        "message_creation",
    ]
    with pytest.raises(BadRequest, match='Runs in status "completed" do not accept tool outputs.'):
        fixed.submit_tool_outputs(thread["id"], run["id"], {"tool_outputs": []})


@pytest.mark.parametrize(
    ("instructions", "version", "expected"),
    [
        ("[[fail]]", "v2", "failed"),
        ("[[fail]]", "v1", "failed"),
        ("[[incomplete]]", "v2", "incomplete"),
        ("[[incomplete]]", "v1", "failed"),
        ("[[expire]]", "v2", "expired"),
        ("[[expire]]", "v1", "expired"),
        ("[[no-tools]]", "v2", "completed"),
    ],
)
def test_markers_pick_the_ending(fixed, instructions, version, expected):
    assistant = _assistant(fixed, tools=[WEATHER_TOOL])
    thread = _thread_with_message(fixed, "one two three four")
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"], "instructions": instructions}, version)
    assert _drive(fixed, run) == ["queued", "in_progress", expected]
    assert run["required_action"] is None and run["usage"] is not None
    steps = fixed.list_steps(thread["id"], run["id"])["data"]
    if expected == "failed":
        assert run["failed_at"] == T0 and run["last_error"]["code"] == "server_error"
        assert steps == []
    elif expected == "incomplete":
        assert run["incomplete_details"] == {"reason": "max_completion_tokens"} and run["completed_at"] is None
        reply = fixed.list_messages(thread["id"], run_id=run["id"])["data"][0]
        assert reply["status"] == "incomplete" and reply["incomplete_details"] == {"reason": "max_tokens"}
        assert reply["content"][0]["text"]["value"] == "You said: one"
    elif expected == "expired":
        assert steps == [] and run["last_error"] is None
    else:
        assert [s["type"] for s in steps] == ["message_creation"]


def test_markers_work_in_additional_instructions_and_on_the_assistant(fixed):
    thread = _thread_with_message(fixed)
    plain = _assistant(fixed, instructions="Be kind.")
    run = fixed.create_run(thread["id"], {"assistant_id": plain["id"], "additional_instructions": "[[fail]]"}, "v2")
    assert run["instructions"] == "Be kind.\n[[fail]]"
    assert _drive(fixed, run)[-1] == "failed"
    failing = _assistant(fixed, instructions="[[expire]]")
    assert _drive(fixed, fixed.create_run(thread["id"], {"assistant_id": failing["id"]}, "v2"))[-1] == "expired"


def test_tool_choice_and_parallel_tool_calls(fixed):
    other = {"type": "function", "function": {"name": "other"}}
    assistant = _assistant(fixed, tools=[WEATHER_TOOL, other])
    thread = _thread_with_message(fixed)

    def calls(**body):
        run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"], **body}, "v2")
        _drive(fixed, run, until=("requires_action", "completed"))
        action = run["required_action"] or {"submit_tool_outputs": {"tool_calls": []}}
        names = [c["function"]["name"] for c in action["submit_tool_outputs"]["tool_calls"]]
        if run["status"] == "requires_action":
            fixed.cancel_run(thread["id"], run["id"])
            fixed.get_run(thread["id"], run["id"])
        return names

    assert calls() == ["get_weather", "other"]
    assert calls(parallel_tool_calls=False) == ["get_weather"]
    assert calls(tool_choice={"type": "function", "function": {"name": "other"}}) == ["other"]
    assert calls(tool_choice="none") == []


def test_cancel(fixed):
    assistant = _assistant(fixed, tools=[WEATHER_TOOL])
    thread = _thread_with_message(fixed)
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    assert fixed.cancel_run(thread["id"], run["id"])["status"] == "cancelling"
    with pytest.raises(BadRequest, match="Cannot cancel run with status 'cancelling'."):
        fixed.cancel_run(thread["id"], run["id"])
    assert _drive(fixed, run, until=("cancelled",)) == ["cancelling", "cancelled"]
    assert run["cancelled_at"] == T0
    with pytest.raises(BadRequest, match="Cannot cancel run with status 'cancelled'."):
        fixed.cancel_run(thread["id"], run["id"])

    waiting = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    _drive(fixed, waiting, until=("requires_action",))
    cancelled = fixed.cancel_run(thread["id"], waiting["id"])
    assert cancelled["status"] == "cancelling" and cancelled["required_action"] is None
    fixed.get_run(thread["id"], waiting["id"])
    (step,) = fixed.list_steps(thread["id"], waiting["id"])["data"]
    assert step["status"] == "cancelled" and step["cancelled_at"] == T0

    done = fixed.create_run(thread["id"], {"assistant_id": assistant["id"], "instructions": "[[no-tools]]"}, "v2")
    _drive(fixed, done)
    with pytest.raises(BadRequest, match="Cannot cancel run with status 'completed'."):
        fixed.cancel_run(thread["id"], done["id"])


# --- expiry --------------------------------------------------------------------------------------------------


def test_a_run_waiting_for_tool_outputs_expires_when_the_clock_passes_expires_at(store, clock):
    assistant = _assistant(store, tools=[WEATHER_TOOL])
    thread = _thread_with_message(store)
    run = store.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    _drive(store, run, until=("requires_action",))
    clock.now = run["expires_at"] - 1
    assert store.get_run(thread["id"], run["id"])["status"] == "requires_action"
    clock.now = run["expires_at"]
    assert store.get_run(thread["id"], run["id"])["status"] == "expired"
    assert run["required_action"] is None
    (step,) = store.list_steps(thread["id"], run["id"])["data"]
    assert step["status"] == "expired" and step["expired_at"] == clock.now
    with pytest.raises(BadRequest, match='Runs in status "expired" do not accept tool outputs.'):
        store.submit_tool_outputs(thread["id"], run["id"], {"tool_outputs": []})
    store.create_message(thread["id"], {"role": "user", "content": "unlocked again"})


def test_a_queued_run_expires_too(clock):
    store = Store(clock=clock, run_ttl=30)
    assistant = _assistant(store)
    thread = _thread_with_message(store)
    run = store.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    assert run["expires_at"] == T0 + 30
    clock.now += 31
    assert store.get_run(thread["id"], run["id"])["status"] == "expired"
    assert run["started_at"] is None


def test_a_finished_run_does_not_expire(store, clock):
    assistant = _assistant(store)
    thread = _thread_with_message(store)
    run = store.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    _drive(store, run)
    clock.now += 10_000
    assert store.get_run(thread["id"], run["id"])["status"] == "completed"


# --- the thread lock -----------------------------------------------------------------------------------------


def test_the_thread_is_locked_while_a_run_is_active(fixed):
    assistant = _assistant(fixed, tools=[WEATHER_TOOL])
    thread = _thread_with_message(fixed)
    other = fixed.create_thread({})
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    locked_message = f"Can't add messages to {thread['id']} while a run {run['id']} is active."
    locked_run = f"Thread {thread['id']} already has an active run {run['id']}."
    for status in ("queued", "in_progress", "requires_action", "cancelling"):
        if status == "cancelling":
            fixed.cancel_run(thread["id"], run["id"])
        assert run["status"] == status
        with pytest.raises(BadRequest) as caught:
            fixed.create_message(thread["id"], {"role": "user", "content": "x"})
        assert caught.value.message == locked_message and caught.value.status == 400
        with pytest.raises(BadRequest) as caught:
            fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
        assert caught.value.message == locked_run
        fixed.create_message(other["id"], {"role": "user", "content": "other threads are free"})
        if status != "cancelling":
            fixed.get_run(thread["id"], run["id"])
    fixed.get_run(thread["id"], run["id"])
    assert run["status"] == "cancelled"
    fixed.create_message(thread["id"], {"role": "user", "content": "free again"})
    assert fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")["status"] == "queued"


# --- streaming -----------------------------------------------------------------------------------------------


def test_stream_run_reports_every_step_with_snapshots(fixed):
    assistant = _assistant(fixed)
    thread = _thread_with_message(fixed, "a b")
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    events = fixed.stream_run(thread["id"], run["id"])
    names = [name for name, _ in events]
    assert names == [
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.message.created",
        "thread.message.in_progress",
        "thread.message.delta",
        "thread.message.delta",
        "thread.message.delta",
        "thread.message.delta",
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
    ]
    payloads = dict(events)
    assert payloads["thread.run.in_progress"]["status"] == "in_progress"  # snapshots, not the live object
    assert payloads["thread.run.step.created"]["status"] == "in_progress"
    assert payloads["thread.run.step.created"]["usage"] is None
    assert payloads["thread.message.created"]["status"] == "in_progress"
    assert payloads["thread.message.created"]["content"] == []
    text = "".join(d["delta"]["content"][0]["text"]["value"] for n, d in events if n == "thread.message.delta")
    assert text == "You said: a b"
    assert run["status"] == "completed"
    assert fixed.stream_run(thread["id"], run["id"]) == []


def test_the_queued_event_carries_a_queued_run(fixed):
    assistant = _assistant(fixed)
    thread = _thread_with_message(fixed)
    run = fixed.create_run(thread["id"], {"assistant_id": assistant["id"]}, "v2")
    queued = dict(fixed.stream_run(thread["id"], run["id"]))["thread.run.queued"]
    assert queued["status"] == "queued" and queued["started_at"] is None


# --- many threads at once ------------------------------------------------------------------------------------


def test_the_store_is_safe_to_share_between_threads(fixed):
    thread = fixed.create_thread({})
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                fixed.create_assistant({"model": "gpt-4o", "name": f"{n}-{i}"})
                fixed.create_message(thread["id"], {"role": "user", "content": f"{n}-{i}"})
                fixed.list_messages(thread["id"], limit=5)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert fixed.snapshot()["assistants"] == 400 and fixed.snapshot()["messages"] == 400
    ids = [m["id"] for m in fixed.list_messages(thread["id"], limit=100, order="asc")["data"]]
    assert len(set(ids)) == 100
