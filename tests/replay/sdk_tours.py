"""The bundled cassettes' tours driven with the openai SDK's own methods, replayed by vcrpy with no server.

This file runs inside a client venv (openai 1.20.0 for v1, the current openai for v2, both with vcrpy), never
in the project's: `test_sdk_replays_cassettes.py` runs `replay_all` there once per API version. It imports
nothing from the project but `replay/matching.py`, loaded by its path, because the package's `__init__` needs
the contract's dependencies, which a client venv lacks.

Each tour sends, in order, the requests `src/assistants_contract/record/tours.py` recorded, but through the
SDK (`client.beta...`), and returns what the SDK parsed: ids, statuses, text, stream events, the errors it
raised. vcrpy plays the cassette with `record_mode="none"` and no repeats, and matches on method, path, query,
the body as `matching.request_key` sees it, and the `OpenAI-Beta` header and the presence of `Authorization`
(the key itself is redacted); the order in which interactions are played is noted, so the test can require the
recorded one.

The tours call the request (`runs.create`, `submit_tool_outputs`, `create_and_run`) and then the SDK's own
`runs.poll`, as they were recorded. The SDK's `*_and_poll` helpers do the same but add `"stream": false` to the
body, which matching takes for the default it is: `poll-helpers` replays the runs cassette with `create_and_poll`.
"""

from __future__ import annotations

import importlib.util
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import vcr
from openai import AssistantEventHandler
from openai._types import Omit  # 1.20.0 does not export it as `openai.Omit`
from vcr.errors import CannotOverwriteExistingCassetteException

__all__ = ["replay_all"]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
WRONG_KEY = "sk-" + secrets.token_hex(20)  # any key but the right one: the cassette holds a redacted one
MATCH_ON = ("method", "path", "query", "contract_body", "beta_and_auth")


def load_matching(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("assistants_contract_matching", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


# --- matching -----------------------------------------------------------------------------------------------


class Matchers:
    """vcrpy matchers over `matching.request_key`; vcrpy calls them with (sent, recorded)."""

    def __init__(self, matching: Any) -> None:
        self.matching = matching

    def key(self, request: Any) -> Any:
        return self.matching.request_key(request.method, request.uri, request.body)

    def contract_body(self, sent: Any, recorded: Any) -> None:
        theirs, ours = self.key(recorded), self.key(sent)
        if theirs.body != ours.body:
            found = [line for line in self.matching.differences(theirs, ours) if line.startswith("body")]
            raise AssertionError("; ".join(found) or f"body: recorded {theirs.body!r}, sent {ours.body!r}")

    def beta_and_auth(self, sent: Any, recorded: Any) -> None:
        found = header_differences(recorded, sent)
        assert not found, "; ".join(found)


def header_differences(recorded: Any, sent: Any) -> list[str]:
    out = []
    beta = recorded.headers.get("openai-beta"), sent.headers.get("openai-beta")
    if beta[0] != beta[1]:
        out.append(f"OpenAI-Beta: recorded {beta[0]!r}, sent {beta[1]!r}")
    auth = "authorization" in recorded.headers, "authorization" in sent.headers
    if auth[0] != auth[1]:
        out.append(f"Authorization: recorded {'one' if auth[0] else 'none'}, sent {'one' if auth[1] else 'none'}")
    return out


def replay(client: Any, matchers: Matchers, cassette_path: str, drive: Callable[..., Any], version: str) -> dict:
    """Drive one tour under vcrpy; what it returned or raised, and which interactions it played in which order."""
    recorder = vcr.VCR(record_mode="none", match_on=MATCH_ON)
    recorder.register_matcher("contract_body", matchers.contract_body)
    recorder.register_matcher("beta_and_auth", matchers.beta_and_auth)
    played: list[int] = []
    with recorder.use_cassette(cassette_path, allow_playback_repeats=False) as cassette:
        play_response = cassette.play_response

        def noting(request: Any) -> Any:
            before = dict(cassette.play_counts)
            response = play_response(request)
            played.extend(i for i, n in cassette.play_counts.items() if n != before.get(i, 0))
            return response

        cassette.play_response = noting
        values, error, miss = None, None, None
        try:
            values = drive(client, version)
        except Exception as e:  # the test reports it; 1.20.0 wraps a replay miss in openai.APIConnectionError
            error = f"{type(e).__name__}: {e}"
            miss = describe_miss(e, cassette, matchers)
        return {
            "values": values,
            "error": error,
            "miss": miss,
            "played": played,
            "interactions": len(cassette),
            "all_played": cassette.all_played,
        }


def describe_miss(error: BaseException, cassette: Any, matchers: Matchers) -> dict | None:
    """For a request the cassette does not hold: what was sent, the next unplayed recorded request and how the
    two differ (in `matching.differences` lines, plus the headers this replay compares)."""
    while error is not None and not isinstance(error, CannotOverwriteExistingCassetteException):
        error = error.__cause__ or error.__context__
    if error is None or error.failed_request is None:
        return None
    sent = error.failed_request
    unplayed = [i for i in range(len(cassette)) if cassette.play_counts[i] == 0]
    out = {"sent": matchers.key(sent).describe(), "reason": error.reason, "next": None, "differences": []}
    if unplayed:
        recorded = cassette.requests[unplayed[0]]
        out["next"] = [unplayed[0], matchers.key(recorded).describe()]
        out["differences"] = matchers.matching.differences(matchers.key(recorded), matchers.key(sent))
        out["differences"] += header_differences(recorded, sent)
    return out


# --- helpers --------------------------------------------------------------------------------------------------


def error_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict:
    """What the SDK raised for an error answer (fails if it raised nothing)."""
    try:
        call(*args, **kwargs)
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        body = body.get("error", body)
        return {"class": type(e).__name__, "status": e.status_code, "message": body.get("message")}
    raise AssertionError(f"{call} raised nothing")


class Events(AssistantEventHandler):
    """Notes what the SDK's stream helpers hand an event handler."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.text: list[str] = []
        self.tool_calls: list[str] = []
        self.messages: list[list[str]] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event.event)

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text.append(delta.value)

    def on_tool_call_created(self, tool_call: Any) -> None:
        self.tool_calls.append(tool_call.id)

    def on_message_done(self, message: Any) -> None:
        self.messages.append([message.id, text(message)])

    def summary(self) -> dict:
        run = self.current_run
        return {
            "events": self.events,
            "text": "".join(self.text),
            "tool_calls": self.tool_calls,
            "run": [run.id, run.status, run.thread_id],
            "messages": self.messages,
        }


def text(message: Any) -> str:
    return message.content[0].text.value


def page(listed: Any) -> list[str]:
    return [item.id for item in listed.data]  # `.data`, not iteration: iterating would fetch the next pages


# --- the tours ------------------------------------------------------------------------------------------------


def assistants(client: Any, version: str) -> dict:
    b = client.beta
    tools = [{"type": "code_interpreter"}, WEATHER_TOOL]
    made = [
        b.assistants.create(model="gpt-4o", name=f"Tour assistant {n}", instructions="Answer briefly.", tools=tools)
        for n in (1, 2, 3)
    ]
    got = b.assistants.retrieve(made[0].id)
    renamed = b.assistants.update(made[0].id, name="Tour assistant 1, renamed", metadata={"tour": "1"})
    first = b.assistants.list(limit=2, order="asc")
    second = first.get_next_page()  # the SDK's cursor: limit and order kept, after=the last id
    deleted = [b.assistants.delete(a.id) for a in made]
    return {
        "made": [[a.id, a.name, [t.type for t in a.tools]] for a in made],
        "retrieved": [got.id, got.name],
        "renamed": [renamed.id, renamed.name, renamed.metadata],
        "pages": [page(first), page(second)],
        "has_more": [first.has_more, second.has_more],
        "deleted": [[d.id, d.deleted] for d in deleted],
        "gone": error_of(b.assistants.retrieve, made[0].id),
    }


def threads(client: Any, version: str) -> dict:
    b = client.beta
    thread = b.threads.create(messages=[{"role": "user", "content": "Hello!"}], metadata={"a": "b"})
    got = b.threads.retrieve(thread.id)
    updated = b.threads.update(thread.id, metadata={"a": "c"})
    deleted = b.threads.delete(thread.id)
    return {
        "thread": [thread.id, thread.metadata],
        "retrieved": got.id,
        "updated": updated.metadata,
        "deleted": [deleted.id, deleted.deleted],
        "gone": error_of(b.threads.retrieve, thread.id),
    }


def messages(client: Any, version: str) -> dict:
    b = client.beta
    thread = b.threads.create()
    made = [b.threads.messages.create(thread.id, role="user", content=f"Message {n}") for n in range(1, 6)]
    listed = b.threads.messages.list(thread.id, limit=2, order="asc")
    pages = [page(listed)]
    while listed.has_more:
        listed = listed.get_next_page()
        pages.append(page(listed))
    before = b.threads.messages.list(thread.id, before=made[2].id)
    got = b.threads.messages.retrieve(made[0].id, thread_id=thread.id)
    updated = b.threads.messages.update(made[0].id, thread_id=thread.id, metadata={"seen": "yes"})
    out = {
        "made": [[m.id, text(m)] for m in made],
        "pages": pages,
        "before": page(before),
        "retrieved": [got.id, text(got)],
        "updated": [updated.id, updated.metadata],
    }
    if version == "v2":
        deleted = b.threads.messages.delete(made[4].id, thread_id=thread.id)
        out["deleted"] = [deleted.id, deleted.deleted]
        out["gone"] = error_of(b.threads.messages.retrieve, made[4].id, thread_id=thread.id)
    return out


def runs(client: Any, version: str) -> dict:
    b = client.beta
    assistant = b.assistants.create(model="gpt-4o", name="Tour runner", instructions="Answer briefly.")
    thread = b.threads.create(messages=[{"role": "user", "content": "What is a run?"}])
    started = b.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    run = b.threads.runs.poll(started.id, thread_id=thread.id)
    updated = b.threads.runs.update(run.id, thread_id=thread.id, metadata={"checked": "yes"})
    listed = b.threads.runs.list(thread.id)
    steps = b.threads.runs.steps.list(run.id, thread_id=thread.id)
    step = b.threads.runs.steps.retrieve(steps.data[0].id, thread_id=thread.id, run_id=run.id)
    replies = b.threads.messages.list(thread.id, run_id=run.id)
    both = b.threads.create_and_run(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "And again?"}]}
    )
    settled = b.threads.runs.poll(both.id, thread_id=both.thread_id)
    return {
        "assistant": assistant.id,
        "run": [started.id, started.status, run.id, run.status, run.usage.total_tokens],
        "updated": [updated.id, updated.metadata],
        "runs": page(listed),
        "steps": [[s.id, s.type, s.status] for s in steps.data],
        "step": [step.id, step.step_details.message_creation.message_id],
        "replies": [[m.id, m.role, text(m)] for m in replies.data],
        "create_and_run": [both.id, both.status, settled.id, settled.status, settled.thread_id],
    }


def streaming(client: Any, version: str) -> dict:
    b = client.beta
    assistant = b.assistants.create(model="gpt-4o", name="Tour streamer", instructions="Answer briefly.")
    thread = b.threads.create(messages=[{"role": "user", "content": "Stream this."}])
    # 1.20.0 has `create_and_stream` and its newer name `stream`; the current SDK deprecates the first.
    helper = b.threads.runs.create_and_stream if version == "v1" else b.threads.runs.stream
    with helper(thread_id=thread.id, assistant_id=assistant.id, event_handler=Events()) as stream:
        stream.until_done()
    listed = b.threads.messages.list(thread.id)
    with b.threads.create_and_run_stream(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "Stream a new thread."}]},
        event_handler=Events(),
    ) as second:
        second.until_done()
    return {
        "run_stream": stream.summary(),
        "messages": [[m.id, m.role, text(m)] for m in listed.data],
        "create_and_run_stream": second.summary(),
    }


def tool_calls(client: Any, version: str) -> dict:
    b = client.beta
    runs_ = b.threads.runs
    assistant = b.assistants.create(
        model="gpt-4o", name="Tour weather", instructions="Use the tools.", tools=[WEATHER_TOOL]
    )
    thread = b.threads.create(messages=[{"role": "user", "content": "Weather in Paris?"}])
    run = runs_.poll(runs_.create(thread_id=thread.id, assistant_id=assistant.id).id, thread_id=thread.id)
    calls = run.required_action.submit_tool_outputs.tool_calls
    outputs = [{"tool_call_id": call.id, "output": "18 C and sunny"} for call in calls]
    submitted = runs_.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=outputs)
    done = runs_.poll(run.id, thread_id=thread.id)
    steps = runs_.steps.list(run.id, thread_id=thread.id)
    out = {
        "polled": {
            "required": [run.id, run.status, run.required_action.type],
            "calls": [[c.id, c.function.name, c.function.arguments] for c in calls],
            "submitted": [submitted.id, submitted.status],
            "done": [done.id, done.status],
            "steps": [[s.type, s.status] for s in steps.data],
        }
    }
    thread = b.threads.create(messages=[{"role": "user", "content": "Weather in Rome?"}])
    with runs_.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=Events()) as stream:
        stream.until_done()
    run = stream.current_run
    calls = run.required_action.submit_tool_outputs.tool_calls
    outputs = [{"tool_call_id": call.id, "output": "21 C and clear"} for call in calls]
    with runs_.submit_tool_outputs_stream(
        tool_outputs=outputs, run_id=run.id, thread_id=thread.id, event_handler=Events()
    ) as second:
        second.until_done()
    out["streamed"] = {
        "stream": stream.summary(),
        "calls": [[c.id, c.function.name, c.function.arguments] for c in calls],
        "submit_tool_outputs_stream": second.summary(),
    }
    return out


def cancel(client: Any, version: str) -> dict:
    b = client.beta
    assistant = b.assistants.create(model="gpt-4o", name="Tour canceller", instructions="Take your time.")
    thread = b.threads.create(messages=[{"role": "user", "content": "Never mind."}])
    run = b.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    cancelling = b.threads.runs.cancel(run.id, thread_id=thread.id)
    settled = b.threads.runs.poll(run.id, thread_id=thread.id)
    return {"statuses": [run.status, cancelling.status, settled.status], "ids": [run.id, cancelling.id, settled.id]}


def assistant_files(client: Any, version: str) -> dict:
    b = client.beta
    assistant = b.assistants.create(
        model="gpt-4o", name="Tour librarian", tools=[{"type": "retrieval"}], file_ids=["file-tourA1b2C3d4E5f6G7h8"]
    )
    attached = b.assistants.files.create(assistant.id, file_id="file-tourI9j0K1l2M3n4O5p6")
    listed = b.assistants.files.list(assistant.id, limit=1)
    got = b.assistants.files.retrieve(attached.id, assistant_id=assistant.id)
    deleted = b.assistants.files.delete(attached.id, assistant_id=assistant.id)
    return {
        "assistant": [assistant.id, assistant.file_ids],
        "attached": [attached.id, attached.object, attached.assistant_id],
        "listed": [page(listed), listed.has_more],
        "retrieved": [got.id, got.assistant_id],
        "deleted": [deleted.id, deleted.object, deleted.deleted],
        "gone": error_of(b.assistants.files.retrieve, attached.id, assistant_id=assistant.id),
    }


def message_files(client: Any, version: str) -> dict:
    b = client.beta
    thread = b.threads.create()
    message = b.threads.messages.create(
        thread.id, role="user", content="See the file.", file_ids=["file-tourQ7r8S9t0U1v2W3x4"]
    )
    files = b.threads.messages.files.list(message.id, thread_id=thread.id)
    got = b.threads.messages.files.retrieve(files.data[0].id, thread_id=thread.id, message_id=message.id)
    return {
        "message": [message.id, message.file_ids],
        "files": [[f.id, f.object, f.message_id] for f in files.data],
        "retrieved": [got.id, got.object, got.message_id],
    }


def errors(client: Any, version: str) -> dict:
    b = client.beta
    return {
        "unknown_id": error_of(b.assistants.retrieve, "asst_doesNotExist0000000000000"),
        "wrong_prefix": error_of(b.threads.retrieve, "asst_notAThread000000000000000"),
        # `model` is required by the SDK's signature; NOT_GIVEN leaves it out of the body, as the tour does.
        "no_model": error_of(b.assistants.create, model=openai.NOT_GIVEN, name="No model"),
        "unknown_argument": error_of(b.assistants.create, model="gpt-4o", extra_body={"colour": "blue"}),
        "no_beta_header": error_of(b.assistants.list, extra_headers={"OpenAI-Beta": Omit()}),
        "no_key": error_of(b.assistants.list, extra_headers={"Authorization": Omit()}),
        "wrong_key": error_of(client.with_options(api_key=WRONG_KEY).beta.assistants.list),
    }


def poll_helpers(client: Any, version: str) -> dict:
    """Not a tour: the runs tour's first requests with `create_and_poll`, which sends `"stream": false`."""
    b = client.beta
    assistant = b.assistants.create(model="gpt-4o", name="Tour runner", instructions="Answer briefly.")
    thread = b.threads.create(messages=[{"role": "user", "content": "What is a run?"}])
    run = b.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    return {"run": [run.id, run.status]}


TOURS: dict[str, Callable[[Any, str], dict]] = {
    "assistants": assistants,
    "threads": threads,
    "messages": messages,
    "runs": runs,
    "streaming": streaming,
    "tool-calls": tool_calls,
    "cancel": cancel,
    "assistant-files": assistant_files,
    "message-files": message_files,
    "errors": errors,
    "poll-helpers": poll_helpers,
}


def replay_all(client: Any, matching_path: str, jobs: list[dict]) -> dict:
    """Run each job (`key`, `cassette`, `tour`, `version`); results by key. A tour with no driver here is a result
    with an error, so a cassette added without one fails its test."""
    matchers = Matchers(load_matching(matching_path))
    results = {}
    for job in jobs:
        drive = TOURS.get(job["tour"])
        if drive is None:
            results[job["key"]] = {"error": f"no SDK driver for the tour {job['tour']!r} in {Path(__file__).name}"}
            continue
        results[job["key"]] = replay(client, matchers, job["cassette"], drive, job["version"])
    return results
