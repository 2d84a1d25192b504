"""What the bundled cassettes hold: one tour of requests per cassette file, the same for every recording.

A tour is a short, realistic conversation with the API (make an assistant, page through messages, run with a
tool call, ...) written against plain httpx, so every header and body is fixed by this file and not by the
version of an SDK: recorded twice against the reference server in its deterministic mode, a tour gives the same
bytes. Each tour takes ids only from the answers it got, as a client would, so a replay hands it the recorded
ones. `record-cassettes` (record/session.py) runs every tour through the proxy; `cassettes/README.md` lists
what each file holds, and a test keeps that list and `TOURS` the same.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Tour", "TOURS", "TourClient", "TourFailed"]

_SETTLED = ("completed", "requires_action", "cancelled", "failed", "incomplete", "expired")
_MAX_POLLS = 20


class TourFailed(RuntimeError):
    """The server under the recording did not answer as the tour expects: the cassette would be wrong."""


class TourClient:
    """httpx with the headers of one API version, and answers checked as the tour goes."""

    def __init__(self, http: httpx.Client, version: str, api_key: str) -> None:
        self.http, self.version = http, version
        self.headers = {
            "Authorization": f"Bearer {api_key}",
            "OpenAI-Beta": f"assistants={version}",
            "User-Agent": "assistants-contract-recorder",
            "Accept": "application/json",
            "Accept-Encoding": "identity",
        }

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        expect: int = 200,
        headers: dict[str, str | None] | None = None,
    ) -> Any:
        """Send one request; the parsed JSON answer (the raw text for a stream). A status other than `expect`
        stops the recording."""
        sent = {**self.headers, **(headers or {})}
        response = self.http.request(
            method,
            path,
            json=body,
            params=params,
            headers={k: v for k, v in sent.items() if v is not None},
        )
        if response.status_code != expect:
            raise TourFailed(f"{method} {path}: expected {expect}, got {response.status_code}: {response.text[:300]}")
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response.text
        return response.json()

    def settle(self, thread_id: str, run_id: str) -> dict[str, Any]:
        """Read a run until it stops moving (the reference server moves a run one step each read)."""
        for _ in range(_MAX_POLLS):
            run = self.call("GET", f"/threads/{thread_id}/runs/{run_id}")
            if run["status"] in _SETTLED:
                return run
        raise TourFailed(f"run {run_id} did not settle in {_MAX_POLLS} reads")

    def assistant(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.call("POST", "/assistants", {"model": "gpt-4o", "name": name, **fields})


@dataclass(frozen=True)
class Tour:
    name: str  # the cassette's file name, without `.yaml`
    versions: tuple[str, ...]
    summary: str  # what the file holds, for cassettes/README.md
    drive: Callable[[TourClient], None]


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


def _assistants(c: TourClient) -> None:
    tools = [{"type": "code_interpreter"}, WEATHER_TOOL]
    made = [c.assistant(f"Tour assistant {n}", instructions="Answer briefly.", tools=tools) for n in (1, 2, 3)]
    c.call("GET", f"/assistants/{made[0]['id']}")
    c.call("POST", f"/assistants/{made[0]['id']}", {"name": "Tour assistant 1, renamed", "metadata": {"tour": "1"}})
    first = c.call("GET", "/assistants", params={"limit": 2, "order": "asc"})
    c.call("GET", "/assistants", params={"limit": 2, "order": "asc", "after": first["last_id"]})
    for assistant in made:
        c.call("DELETE", f"/assistants/{assistant['id']}")
    c.call("GET", f"/assistants/{made[0]['id']}", expect=404)


def _threads(c: TourClient) -> None:
    thread = c.call("POST", "/threads", {"messages": [{"role": "user", "content": "Hello!"}], "metadata": {"a": "b"}})
    c.call("GET", f"/threads/{thread['id']}")
    c.call("POST", f"/threads/{thread['id']}", {"metadata": {"a": "c"}})
    c.call("DELETE", f"/threads/{thread['id']}")
    c.call("GET", f"/threads/{thread['id']}", expect=404)


def _messages(c: TourClient) -> None:
    thread = c.call("POST", "/threads", {})
    made = [
        c.call("POST", f"/threads/{thread['id']}/messages", {"role": "user", "content": f"Message {n}"})
        for n in range(1, 6)
    ]
    page = c.call("GET", f"/threads/{thread['id']}/messages", params={"limit": 2, "order": "asc"})
    while page["has_more"]:
        page = c.call(
            "GET", f"/threads/{thread['id']}/messages", params={"limit": 2, "order": "asc", "after": page["last_id"]}
        )
    c.call("GET", f"/threads/{thread['id']}/messages", params={"before": made[2]["id"]})
    c.call("GET", f"/threads/{thread['id']}/messages/{made[0]['id']}")
    c.call("POST", f"/threads/{thread['id']}/messages/{made[0]['id']}", {"metadata": {"seen": "yes"}})
    if c.version == "v2":
        c.call("DELETE", f"/threads/{thread['id']}/messages/{made[4]['id']}")
        c.call("GET", f"/threads/{thread['id']}/messages/{made[4]['id']}", expect=404)


def _runs(c: TourClient) -> None:
    assistant = c.assistant("Tour runner", instructions="Answer briefly.")
    thread = c.call("POST", "/threads", {"messages": [{"role": "user", "content": "What is a run?"}]})
    run = c.call("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    run = c.settle(thread["id"], run["id"])
    c.call("POST", f"/threads/{thread['id']}/runs/{run['id']}", {"metadata": {"checked": "yes"}})
    c.call("GET", f"/threads/{thread['id']}/runs")
    steps = c.call("GET", f"/threads/{thread['id']}/runs/{run['id']}/steps")
    c.call("GET", f"/threads/{thread['id']}/runs/{run['id']}/steps/{steps['data'][0]['id']}")
    c.call("GET", f"/threads/{thread['id']}/messages", params={"run_id": run["id"]})
    both = c.call(
        "POST",
        "/threads/runs",
        {"assistant_id": assistant["id"], "thread": {"messages": [{"role": "user", "content": "And again?"}]}},
    )
    c.settle(both["thread_id"], both["id"])


def _streaming(c: TourClient) -> None:
    assistant = c.assistant("Tour streamer", instructions="Answer briefly.")
    thread = c.call("POST", "/threads", {"messages": [{"role": "user", "content": "Stream this."}]})
    c.call("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "stream": True})
    c.call("GET", f"/threads/{thread['id']}/messages")
    c.call(
        "POST",
        "/threads/runs",
        {
            "assistant_id": assistant["id"],
            "stream": True,
            "thread": {"messages": [{"role": "user", "content": "Stream a new thread."}]},
        },
    )


def _tool_calls(c: TourClient) -> None:
    assistant = c.assistant("Tour weather", instructions="Use the tools.", tools=[WEATHER_TOOL])
    thread = c.call("POST", "/threads", {"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    run = c.call("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    run = c.settle(thread["id"], run["id"])
    calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    outputs = [{"tool_call_id": call["id"], "output": "18 C and sunny"} for call in calls]
    c.call("POST", f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": outputs})
    c.settle(thread["id"], run["id"])
    c.call("GET", f"/threads/{thread['id']}/runs/{run['id']}/steps")
    # The same, streamed: the stream stops at requires_action and the outputs open a second one.
    thread = c.call("POST", "/threads", {"messages": [{"role": "user", "content": "Weather in Rome?"}]})
    events = c.call("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "stream": True})
    run = _last_run(events)
    calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    outputs = [{"tool_call_id": call["id"], "output": "21 C and clear"} for call in calls]
    c.call(
        "POST",
        f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
        {"tool_outputs": outputs, "stream": True},
    )


def _last_run(events: str) -> dict[str, Any]:
    runs = [
        json.loads(block.split("data: ", 1)[1])
        for block in events.split("\n\n")
        if block.startswith("event: thread.run.") and "data: " in block
    ]
    if not runs:
        raise TourFailed("the stream named no run")
    return runs[-1]


def _cancel(c: TourClient) -> None:
    assistant = c.assistant("Tour canceller", instructions="Take your time.")
    thread = c.call("POST", "/threads", {"messages": [{"role": "user", "content": "Never mind."}]})
    run = c.call("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"]})
    c.call("POST", f"/threads/{thread['id']}/runs/{run['id']}/cancel")
    c.settle(thread["id"], run["id"])


def _assistant_files(c: TourClient) -> None:
    assistant = c.assistant("Tour librarian", tools=[{"type": "retrieval"}], file_ids=["file-tourA1b2C3d4E5f6G7h8"])
    attached = c.call("POST", f"/assistants/{assistant['id']}/files", {"file_id": "file-tourI9j0K1l2M3n4O5p6"})
    c.call("GET", f"/assistants/{assistant['id']}/files", params={"limit": 1})
    c.call("GET", f"/assistants/{assistant['id']}/files/{attached['id']}")
    c.call("DELETE", f"/assistants/{assistant['id']}/files/{attached['id']}")
    c.call("GET", f"/assistants/{assistant['id']}/files/{attached['id']}", expect=404)


def _message_files(c: TourClient) -> None:
    thread = c.call("POST", "/threads", {})
    message = c.call(
        "POST",
        f"/threads/{thread['id']}/messages",
        {"role": "user", "content": "See the file.", "file_ids": ["file-tourQ7r8S9t0U1v2W3x4"]},
    )
    files = c.call("GET", f"/threads/{thread['id']}/messages/{message['id']}/files")
    c.call("GET", f"/threads/{thread['id']}/messages/{message['id']}/files/{files['data'][0]['id']}")


def _errors(c: TourClient) -> None:
    c.call("GET", "/assistants/asst_doesNotExist0000000000000", expect=404)
    c.call("GET", "/threads/asst_notAThread000000000000000", expect=400)  # the wrong prefix for a thread
    c.call("POST", "/assistants", {"name": "No model"}, expect=400)
    c.call("POST", "/assistants", {"model": "gpt-4o", "colour": "blue"}, expect=400)
    c.call("GET", "/assistants", headers={"OpenAI-Beta": None}, expect=400)
    c.call("GET", "/assistants", headers={"Authorization": None}, expect=401)
    wrong = "sk-" + secrets.token_hex(20)  # made here, and redacted like the recording's own key
    c.call("GET", "/assistants", headers={"Authorization": f"Bearer {wrong}"}, expect=401)


BOTH = ("v1", "v2")
TOURS = (
    Tour(
        "assistants", BOTH, "create three (tools), get, modify, list in two pages, delete all, 404 after", _assistants
    ),
    Tour("threads", BOTH, "create with a message, get, modify, delete, 404 after", _threads),
    Tour(
        "messages",
        BOTH,
        "five messages, listed two a page with `after`, then `before`; get, modify; v2 deletes one",
        _messages,
    ),
    Tour(
        "runs",
        BOTH,
        "a run polled to completed, modify, list runs, list and get its step, its reply; createThreadAndRun",
        _runs,
    ),
    Tour("streaming", BOTH, "createRun and createThreadAndRun with `stream: true`, event by event", _streaming),
    Tour(
        "tool-calls",
        BOTH,
        "a function call: requires_action, submit_tool_outputs, completed; then the same streamed",
        _tool_calls,
    ),
    Tour("cancel", BOTH, "a run cancelled while queued, read until cancelled", _cancel),
    Tour("assistant-files", ("v1",), "v1 assistant files: attach, list, get, delete, 404 after", _assistant_files),
    Tour("message-files", ("v1",), "v1 message files: a message with a file, list and get its files", _message_files),
    Tour(
        "errors",
        BOTH,
        "404 unknown id, 400 wrong id prefix, 400 missing `model`, 400 unknown argument, 400 no beta header,"
        " 401 no key, 401 wrong key",
        _errors,
    ),
)
