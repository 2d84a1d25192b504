"""The demo's traffic: every operation of one API version, sent with the official `openai` Python client.

`drive(client, version)` is what an app on the Assistants API does in a minute: assistants, threads and
messages made, read, changed, paged through and deleted; a run polled to its end, its steps; a streamed run
and a streamed thread-and-run; a function call answered with `submit_tool_outputs`, plain and streamed; a
cancel; for v1 the assistant and message files. Then a few requests that break the contract on purpose, so
the reports have something to show: a v1 field sent to v2, `limit=0`, an argument the API does not have.

The current client speaks v2; the version is chosen per call with the `OpenAI-Beta` header, and what only v1
has (its file endpoints and `file_ids`) goes through the client's own `get`/`post`/`delete` and `extra_body`.
The same calls replay from the demo's cassette under the pytest marker (`demo/replay_test.py`): every id a
call uses comes from an answer, so a replay hands it the recorded ones. Nothing here sleeps or picks at random.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import openai
from openai import AssistantEventHandler, OpenAI

__all__ = ["drive", "WRONG_ON_PURPOSE"]

_SETTLED = ("completed", "requires_action", "cancelled", "failed", "incomplete", "expired")
_MAX_READS = 20
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
# What the deliberately wrong requests are, for the demo's summary: (version, what is wrong).
WRONG_ON_PURPOSE = (
    ("v1", "an argument the API does not have (colour) on createAssistant"),
    ("v2", "a v1 field (file_ids) on createAssistant"),
    ("v2", "limit=0 on listAssistants (the API takes 1 to 100)"),
    ("v2", "a v1 tool (retrieval) on createAssistant"),
)


class DemoFailed(RuntimeError):
    """The server did not answer as the demo expects (an answer it needs to go on is missing)."""


class _Events(AssistantEventHandler):
    """Collects what a streamed run said: the event names, the text, and the last run object."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.run: Any = None

    def on_event(self, event: Any) -> None:
        self.names.append(event.event)
        if event.event.startswith("thread.run."):
            self.run = event.data


def drive(
    client: OpenAI, version: str, *, wrong_on_purpose: bool = True, say: Callable[[str], None] = lambda _: None
) -> None:
    """Every operation of `version` ("v1" or "v2") once at least, then (unless told not to) the requests of that
    version that break the contract on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the client marks the Assistants API deprecated
        _Tour(client, version, say).all(wrong_on_purpose)


class _Tour:
    def __init__(self, client: OpenAI, version: str, say: Callable[[str], None]) -> None:
        self.client, self.version, self.say = client, version, say
        self.beta = client.beta
        self.headers = {"OpenAI-Beta": f"assistants={version}"}

    def all(self, wrong_on_purpose: bool) -> None:
        for part in (self.assistants, self.threads, self.messages, self.runs, self.streaming, self.tool_calls):
            part()
        if self.version == "v1":
            self.assistant_files()
            self.message_files()
        if wrong_on_purpose:
            self.wrong_on_purpose()

    # --- the SDK's own methods ------------------------------------------------------------------------------

    def _assistant(self, name: str, **fields: Any) -> Any:
        return self.beta.assistants.create(model="gpt-4o", name=name, extra_headers=self.headers, **fields)

    def assistants(self) -> None:
        self.say(f"{self.version}: assistants")
        made = [
            self._assistant(f"Demo assistant {n}", instructions="Answer briefly.", tools=[WEATHER_TOOL]) for n in (1, 2)
        ]
        h = self.headers
        self.beta.assistants.retrieve(made[0].id, extra_headers=h)
        self.beta.assistants.update(
            made[0].id, name="Demo assistant 1, renamed", metadata={"demo": "1"}, extra_headers=h
        )
        listed = [a.id for a in self.beta.assistants.list(limit=1, order="asc", extra_headers=h)]  # pages with after
        if not {a.id for a in made} <= set(listed):
            raise DemoFailed(f"listAssistants did not list the assistants just made: {listed}")
        for assistant in made:
            self.beta.assistants.delete(assistant.id, extra_headers=h)

    def threads(self) -> None:
        self.say(f"{self.version}: threads")
        h = self.headers
        thread = self.beta.threads.create(
            messages=[{"role": "user", "content": "Hello!"}], metadata={"demo": "a"}, extra_headers=h
        )
        self.beta.threads.retrieve(thread.id, extra_headers=h)
        self.beta.threads.update(thread.id, metadata={"demo": "b"}, extra_headers=h)
        self.beta.threads.delete(thread.id, extra_headers=h)

    def messages(self) -> None:
        self.say(f"{self.version}: messages")
        h, messages = self.headers, self.beta.threads.messages
        thread = self.beta.threads.create(extra_headers=h)
        made = [messages.create(thread.id, role="user", content=f"Message {n}", extra_headers=h) for n in (1, 2, 3)]
        listed = [m.id for m in messages.list(thread.id, limit=2, order="asc", extra_headers=h)]
        if listed != [m.id for m in made]:
            raise DemoFailed(f"listMessages paged as {listed}, not in the order made")
        messages.retrieve(made[0].id, thread_id=thread.id, extra_headers=h)
        messages.update(made[0].id, thread_id=thread.id, metadata={"seen": "yes"}, extra_headers=h)
        if self.version == "v2":  # v1 has no deleteMessage
            messages.delete(made[2].id, thread_id=thread.id, extra_headers=h)

    def _settle(self, thread_id: str, run_id: str) -> Any:
        """Read a run until it stops moving (the reference server moves a run a step each read)."""
        for _ in range(_MAX_READS):
            run = self.beta.threads.runs.retrieve(run_id, thread_id=thread_id, extra_headers=self.headers)
            if run.status in _SETTLED:
                return run
        raise DemoFailed(f"run {run_id} did not settle in {_MAX_READS} reads")

    def runs(self) -> None:
        self.say(f"{self.version}: runs")
        h, runs = self.headers, self.beta.threads.runs
        assistant = self._assistant("Demo runner", instructions="Answer briefly.")
        thread = self.beta.threads.create(messages=[{"role": "user", "content": "What is a run?"}], extra_headers=h)
        run = runs.create(thread.id, assistant_id=assistant.id, extra_headers=h)
        run = self._settle(thread.id, run.id)
        runs.update(run.id, thread_id=thread.id, metadata={"checked": "yes"}, extra_headers=h)
        list(runs.list(thread.id, extra_headers=h))
        steps = list(runs.steps.list(run.id, thread_id=thread.id, extra_headers=h))
        if not steps:
            raise DemoFailed(f"run {run.id} has no steps")
        runs.steps.retrieve(steps[0].id, thread_id=thread.id, run_id=run.id, extra_headers=h)
        both = self.beta.threads.create_and_run(
            assistant_id=assistant.id,
            thread={"messages": [{"role": "user", "content": "And again?"}]},
            extra_headers=h,
        )
        self._settle(both.thread_id, both.id)
        queued = runs.create(thread.id, assistant_id=assistant.id, extra_headers=h)
        runs.cancel(queued.id, thread_id=thread.id, extra_headers=h)
        self._settle(thread.id, queued.id)

    def streaming(self) -> None:
        self.say(f"{self.version}: a streamed run")
        h = self.headers
        assistant = self._assistant("Demo streamer", instructions="Answer briefly.")
        thread = self.beta.threads.create(messages=[{"role": "user", "content": "Stream this."}], extra_headers=h)
        events = _Events()
        with self.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant.id, event_handler=events, extra_headers=h
        ) as stream:
            stream.until_done()
        if "thread.run.completed" not in events.names:
            raise DemoFailed(f"the streamed run ended without thread.run.completed: {events.names}")
        events = _Events()
        with self.beta.threads.create_and_run_stream(
            assistant_id=assistant.id,
            thread={"messages": [{"role": "user", "content": "Stream a new thread."}]},
            event_handler=events,
            extra_headers=h,
        ) as stream:
            stream.until_done()

    def tool_calls(self) -> None:
        self.say(f"{self.version}: a tool-call run, polled and streamed")
        h, runs = self.headers, self.beta.threads.runs
        assistant = self._assistant("Demo weather", instructions="Use the tools.", tools=[WEATHER_TOOL])
        thread = self.beta.threads.create(messages=[{"role": "user", "content": "Weather in Paris?"}], extra_headers=h)
        run = self._settle(thread.id, runs.create(thread.id, assistant_id=assistant.id, extra_headers=h).id)
        runs.submit_tool_outputs(
            run.id, thread_id=thread.id, tool_outputs=self._outputs(run, "18 C and sunny"), extra_headers=h
        )
        self._settle(thread.id, run.id)
        # Streamed: the stream stops at requires_action, and the outputs open a second one.
        thread = self.beta.threads.create(messages=[{"role": "user", "content": "Weather in Rome?"}], extra_headers=h)
        events = _Events()
        with runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=events, extra_headers=h) as s:
            s.until_done()
        answered = _Events()
        with runs.submit_tool_outputs_stream(
            run_id=events.run.id,
            thread_id=thread.id,
            tool_outputs=self._outputs(events.run, "21 C and clear"),
            event_handler=answered,
            extra_headers=h,
        ) as s:
            s.until_done()

    @staticmethod
    def _outputs(run: Any, output: str) -> list[dict[str, str]]:
        if run is None or run.required_action is None:
            raise DemoFailed("the run asked for no tool outputs")
        return [{"tool_call_id": c.id, "output": output} for c in run.required_action.submit_tool_outputs.tool_calls]

    # --- what only v1 has: the client's plain requests --------------------------------------------------------

    def _v1(self, method: str, path: str, body: Any = None) -> Any:
        options = {"headers": self.headers}
        if method == "get":
            return self.client.get(path, cast_to=object, options=options)
        if method == "delete":
            return self.client.delete(path, cast_to=object, options=options)
        return self.client.post(path, cast_to=object, body=body, options=options)

    def assistant_files(self) -> None:
        self.say("v1: assistant files")
        assistant = self._assistant(
            "Demo librarian", tools=[{"type": "retrieval"}], extra_body={"file_ids": ["file-demoA1b2C3d4E5f6"]}
        )
        base = f"/assistants/{assistant.id}/files"
        attached = self._v1("post", base, {"file_id": "file-demoG7h8I9j0K1l2"})
        self._v1("get", base)
        self._v1("get", f"{base}/{attached['id']}")
        self._v1("delete", f"{base}/{attached['id']}")

    def message_files(self) -> None:
        self.say("v1: message files")
        thread = self.beta.threads.create(extra_headers=self.headers)
        message = self.beta.threads.messages.create(
            thread.id,
            role="user",
            content="See the file.",
            extra_body={"file_ids": ["file-demoM3n4O5p6Q7r8"]},
            extra_headers=self.headers,
        )
        base = f"/threads/{thread.id}/messages/{message.id}/files"
        files = self._v1("get", base)
        self._v1("get", f"{base}/{files['data'][0]['id']}")

    # --- wrong on purpose ----------------------------------------------------------------------------------

    def wrong_on_purpose(self) -> None:
        self.say(f"{self.version}: requests that break the contract on purpose")
        if self.version == "v1":
            self._refused(lambda: self._assistant("Demo colour", extra_body={"colour": "blue"}))
            return
        self._refused(lambda: self._assistant("Demo v1 habit", extra_body={"file_ids": ["file-demoS9t0U1v2W3x4"]}))
        self._refused(lambda: self.beta.assistants.list(limit=0, extra_headers=self.headers))
        self._refused(lambda: self._assistant("Demo retrieval", tools=[{"type": "retrieval"}]))

    @staticmethod
    def _refused(call: Callable[[], Any]) -> None:
        try:
            call()
        except openai.BadRequestError:
            return
        raise DemoFailed("a request that breaks the contract was not refused with a 400")
