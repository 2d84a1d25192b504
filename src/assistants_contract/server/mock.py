"""The mock backend: stateless, like an OpenAPI mock server, but with objects that mean something.

Every documented request with a valid body gets 200 and a contract-valid object of the right kind. The object
is built by a fresh `Store` (so it has the same shape and lifecycle as in stateful mode), then the ids the
request named (path ids, `assistant_id` in the body) are put in place of the fresh ones, and the fields the
request set are echoed. Nothing is remembered between requests and no id has to exist: this is what
SDK-generated test suites need, which retrieve and cancel made-up ids and expect 200.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .stateful import DONE, Result
from .store import Store

__all__ = ["MockBackend"]

_MODEL = {"model": "gpt-4o"}
_FUNCTION_TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


class MockBackend:
    def __init__(self, new_store: Callable[[], Store] = Store) -> None:
        self._new_store = new_store  # each request's throwaway store (seeded ones in deterministic mode)

    def handle(self, call: Any) -> Result:
        world = _World(call, self._new_store())
        return world.swap(getattr(world, call.operation_id)())


class _World:
    """One request's throwaway store, and the mapping from its fresh ids to the ids the request named."""

    def __init__(self, call: Any, store: Store) -> None:
        self.call = call
        self.store = store
        self.params: dict[str, str] = call.params
        self.body: dict[str, Any] = call.body if isinstance(call.body, dict) else {}
        self.ids: dict[str, str] = {}

    def swap(self, result: Any) -> Any:
        """Replace fresh ids by the requested ones everywhere in the result."""
        if isinstance(result, dict):
            return {k: self.swap(v) for k, v in result.items()}
        if isinstance(result, list):
            return [self.swap(v) for v in result]
        if isinstance(result, tuple):
            return tuple(self.swap(v) for v in result)
        if isinstance(result, str):
            return self.ids.get(result, result)
        return result

    def _named(self, fresh: str, wanted: str | None) -> None:
        if wanted:
            self.ids[fresh] = wanted

    # --- building blocks ----------------------------------------------------------------------------------

    def _assistant(self, body: dict[str, Any] | None = None, tools: list | None = None) -> dict[str, Any]:
        fields = {**_MODEL, **(body or {})}
        if tools is not None:
            fields["tools"] = tools
        assistant = self.store.create_assistant(fields)
        self._named(assistant["id"], self.params.get("assistant_id") or self.body.get("assistant_id"))
        return assistant

    def _thread(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        thread = self.store.create_thread(body or {})
        self._named(thread["id"], self.params.get("thread_id"))
        return thread

    def _message(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        thread = self._thread()
        message = self.store.create_message(thread["id"], body or {"role": "user", "content": "Hello"})
        self._named(message["id"], self.params.get("message_id"))
        return message

    def _run(self, body: dict[str, Any] | None = None, tools: list | None = None) -> dict[str, Any]:
        assistant = self._assistant(tools=tools)
        thread = self._thread()
        run_body = {k: v for k, v in (body or {}).items() if k != "stream"}
        run = self.store.create_run(thread["id"], {**run_body, "assistant_id": assistant["id"]}, self.call.version)
        self._named(run["id"], self.params.get("run_id"))
        return run

    def _streamed(self, run: dict[str, Any], head: list[tuple[str, Any]]) -> Result:
        if not self.body.get("stream"):
            return run
        return head + self.store.stream_run(run["thread_id"], run["id"]) + [DONE]

    def _finished_run(self) -> dict[str, Any]:
        run = self._run()
        while run["status"] in ("queued", "in_progress"):
            run = self.store.get_run(run["thread_id"], run["id"])
        return run

    def _step(self) -> dict[str, Any]:
        run = self._finished_run()
        step = next(iter(self.store.steps[run["id"]].values()))
        self._named(step["id"], self.params.get("step_id"))
        return step

    def _one(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"object": "list", "data": [obj], "first_id": obj["id"], "last_id": obj["id"], "has_more": False}

    def _file_id(self) -> str:
        return self.params.get("file_id") or self.body.get("file_id") or "file-abc123abc123abc123abc123"

    # --- operations (named as the contract names them) ----------------------------------------------------

    def listAssistants(self) -> Result:  # noqa: N802 - operation ids are the contract's names
        return self._one(self._assistant())

    def createAssistant(self) -> Result:  # noqa: N802
        return self._assistant(self.body)

    def getAssistant(self) -> Result:  # noqa: N802
        return self._assistant()

    def modifyAssistant(self) -> Result:  # noqa: N802
        return self._assistant(self.body)

    def deleteAssistant(self) -> Result:  # noqa: N802
        return {"id": self.params["assistant_id"], "object": "assistant.deleted", "deleted": True}

    def listAssistantFiles(self) -> Result:  # noqa: N802
        assistant = self._assistant()
        return self._one(self.store.create_assistant_file(assistant["id"], self._file_id()))

    def createAssistantFile(self) -> Result:  # noqa: N802
        return self.store.create_assistant_file(self._assistant()["id"], self._file_id())

    def getAssistantFile(self) -> Result:  # noqa: N802
        return self.store.create_assistant_file(self._assistant()["id"], self._file_id())

    def deleteAssistantFile(self) -> Result:  # noqa: N802
        return {"id": self._file_id(), "object": "assistant.file.deleted", "deleted": True}

    def createThread(self) -> Result:  # noqa: N802
        return self._thread(self.body)

    def getThread(self) -> Result:  # noqa: N802
        return self._thread()

    def modifyThread(self) -> Result:  # noqa: N802
        return self._thread(self.body)

    def deleteThread(self) -> Result:  # noqa: N802
        return {"id": self.params["thread_id"], "object": "thread.deleted", "deleted": True}

    def listMessages(self) -> Result:  # noqa: N802
        return self._one(self._message())

    def createMessage(self) -> Result:  # noqa: N802
        return self._message(self.body)

    def getMessage(self) -> Result:  # noqa: N802
        return self._message()

    def modifyMessage(self) -> Result:  # noqa: N802
        message = self._message()
        message["metadata"] = self.body.get("metadata") or {}
        return message

    def deleteMessage(self) -> Result:  # noqa: N802
        return {"id": self.params["message_id"], "object": "thread.message.deleted", "deleted": True}

    def listMessageFiles(self) -> Result:  # noqa: N802
        message = self._message({"role": "user", "content": "Hello", "file_ids": [self._file_id()]})
        return self._one(self.store._message_file(message, self._file_id()))

    def getMessageFile(self) -> Result:  # noqa: N802
        message = self._message({"role": "user", "content": "Hello", "file_ids": [self._file_id()]})
        return self.store._message_file(message, self._file_id())

    def createThreadAndRun(self) -> Result:  # noqa: N802
        assistant = self._assistant()
        thread, run = self.store.create_thread_and_run(
            {**self.body, "assistant_id": assistant["id"]}, self.call.version
        )
        return self._streamed(run, [("thread.created", thread), ("thread.run.created", dict(run))])

    def listRuns(self) -> Result:  # noqa: N802
        return self._one(self._run())

    def createRun(self) -> Result:  # noqa: N802
        run = self._run(self.body)
        return self._streamed(run, [("thread.run.created", dict(run))])

    def getRun(self) -> Result:  # noqa: N802
        return self._run()

    def modifyRun(self) -> Result:  # noqa: N802
        run = self._run()
        run["metadata"] = self.body.get("metadata") or {}
        return run

    def cancelRun(self) -> Result:  # noqa: N802
        run = self._run()
        return self.store.cancel_run(run["thread_id"], run["id"])

    def submitToolOuputsToRun(self) -> Result:  # noqa: N802
        run = self._run(tools=[_FUNCTION_TOOL])
        while run["status"] != "requires_action":
            run = self.store.get_run(run["thread_id"], run["id"])
        calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
        outputs = {"tool_outputs": [{"tool_call_id": c["id"], "output": "ok"} for c in calls]}
        run, steps = self.store.submit_tool_outputs(run["thread_id"], run["id"], outputs)
        head = [("thread.run.step.completed", s) for s in steps] + [("thread.run.queued", dict(run))]
        return self._streamed(run, head)

    def listRunSteps(self) -> Result:  # noqa: N802
        return self._one(self._step())

    def getRunStep(self) -> Result:  # noqa: N802
        return self._step()
