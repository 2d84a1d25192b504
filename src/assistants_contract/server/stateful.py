"""The stateful backend: each operation id mapped to a store call. Streams come back as event lists."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .store import Store

__all__ = ["StatefulBackend", "paging"]

Result = dict[str, Any] | list[tuple[str, Any]]
DONE = ("done", "[DONE]")


def paging(query: dict[str, Any]) -> dict[str, Any]:
    return {
        "limit": query.get("limit", 20),
        "order": query.get("order", "desc"),
        "after": query.get("after"),
        "before": query.get("before"),
    }


class StatefulBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        s = store
        self._handlers: dict[str, Callable[[Any], Result]] = {
            "listAssistants": lambda c: s.list_assistants(**paging(c.query)),
            "createAssistant": lambda c: s.create_assistant(c.body),
            "getAssistant": lambda c: s.get_assistant(c.params["assistant_id"]),
            "modifyAssistant": lambda c: s.modify_assistant(c.params["assistant_id"], c.body),
            "deleteAssistant": lambda c: s.delete_assistant(c.params["assistant_id"]),
            "listAssistantFiles": lambda c: s.list_assistant_files(c.params["assistant_id"], **paging(c.query)),
            "createAssistantFile": lambda c: s.create_assistant_file(c.params["assistant_id"], c.body["file_id"]),
            "getAssistantFile": lambda c: s.get_assistant_file(c.params["assistant_id"], c.params["file_id"]),
            "deleteAssistantFile": lambda c: s.delete_assistant_file(c.params["assistant_id"], c.params["file_id"]),
            "createThread": lambda c: s.create_thread(c.body),
            "getThread": lambda c: s.get_thread(c.params["thread_id"]),
            "modifyThread": lambda c: s.modify_thread(c.params["thread_id"], c.body),
            "deleteThread": lambda c: s.delete_thread(c.params["thread_id"]),
            "listMessages": lambda c: s.list_messages(
                c.params["thread_id"], run_id=c.query.get("run_id"), **paging(c.query)
            ),
            "createMessage": lambda c: s.create_message(c.params["thread_id"], c.body),
            "getMessage": lambda c: s.get_message(c.params["thread_id"], c.params["message_id"]),
            "modifyMessage": lambda c: s.modify_message(c.params["thread_id"], c.params["message_id"], c.body),
            "deleteMessage": lambda c: s.delete_message(c.params["thread_id"], c.params["message_id"]),
            "listMessageFiles": lambda c: s.list_message_files(
                c.params["thread_id"], c.params["message_id"], **paging(c.query)
            ),
            "getMessageFile": lambda c: s.get_message_file(
                c.params["thread_id"], c.params["message_id"], c.params["file_id"]
            ),
            "createThreadAndRun": self._create_thread_and_run,
            "listRuns": lambda c: s.list_runs(c.params["thread_id"], **paging(c.query)),
            "createRun": self._create_run,
            "getRun": lambda c: s.get_run(c.params["thread_id"], c.params["run_id"]),
            "modifyRun": lambda c: s.modify_run(c.params["thread_id"], c.params["run_id"], c.body),
            "cancelRun": lambda c: s.cancel_run(c.params["thread_id"], c.params["run_id"]),
            "submitToolOuputsToRun": self._submit_tool_outputs,
            "listRunSteps": lambda c: s.list_steps(c.params["thread_id"], c.params["run_id"], **paging(c.query)),
            "getRunStep": lambda c: s.get_step(c.params["thread_id"], c.params["run_id"], c.params["step_id"]),
        }

    def handle(self, call: Any) -> Result:
        return self._handlers[call.operation_id](call)

    def _create_run(self, call: Any) -> Result:
        run = self.store.create_run(call.params["thread_id"], call.body, call.version)
        if not call.body.get("stream"):
            return run
        created = [("thread.run.created", copy.deepcopy(run))]
        return created + self.store.stream_run(run["thread_id"], run["id"]) + [DONE]

    def _create_thread_and_run(self, call: Any) -> Result:
        thread, run = self.store.create_thread_and_run(call.body, call.version)
        if not call.body.get("stream"):
            return run
        created = [("thread.created", copy.deepcopy(thread)), ("thread.run.created", copy.deepcopy(run))]
        return created + self.store.stream_run(run["thread_id"], run["id"]) + [DONE]

    def _submit_tool_outputs(self, call: Any) -> Result:
        thread_id, run_id = call.params["thread_id"], call.params["run_id"]
        run, steps = self.store.submit_tool_outputs(thread_id, run_id, call.body)
        if not call.body.get("stream"):
            return run
        resumed = [("thread.run.step.completed", step) for step in steps] + [("thread.run.queued", copy.deepcopy(run))]
        return resumed + self.store.stream_run(thread_id, run_id) + [DONE]
