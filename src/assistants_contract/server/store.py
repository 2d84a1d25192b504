"""In-memory state of the reference server: objects, pagination, the thread lock and the run lifecycle.

Plain Python, no web framework. Objects are kept as JSON-ready dicts in one internal shape that holds the
fields of both versions (v1 `file_ids` and v2 `tool_resources` side by side); `render.py` cuts them to the
shape of the version a request asked for. Keys starting with `_` are internal and never rendered.

Runs move one step each time a client looks at them (getRun, listRuns, cancel), so a polling client sees
`queued`, then `in_progress`, then the outcome, without waiting on a clock; streaming runs go through every
step at once and report each as an event. Every public method holds one lock: the store is safe to share
between threads.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import BadRequest, NotFound
from .model import count_tokens, plan_run, reply_text

__all__ = ["Store", "new_id", "ACTIVE_RUN_STATUSES"]

ACTIVE_RUN_STATUSES = ("queued", "in_progress", "requires_action", "cancelling")
_ALPHABET = string.ascii_letters + string.digits
Event = tuple[str, dict[str, Any]]


def new_id(prefix: str) -> str:
    """`asst_` + 24 alphanumerics, as the real ids look; files use a dash (`file-...`)."""
    separator = "-" if prefix == "file" else "_"
    return prefix + separator + "".join(secrets.choice(_ALPHABET) for _ in range(24))


def _locked(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


def _text_content(content: Any) -> list[dict[str, Any]]:
    """Request content (a string or request parts) in the response shape."""
    if isinstance(content, str):
        return [{"type": "text", "text": {"value": content, "annotations": []}}]
    parts = []
    for part in content:
        if part.get("type") == "text":
            parts.append({"type": "text", "text": {"value": part["text"], "annotations": []}})
        else:
            parts.append(part)
    return parts


class Store:
    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        run_ttl: int = 600,
        *,
        thread_lock: bool = True,
        advance_runs: bool = True,
        ids: Callable[[str], str] = new_id,
    ) -> None:
        """`ids` makes an object's id from its kind's prefix (`asst`); `clock` and `ids` come from
        `determinism.Deterministic` when the server runs with a seed. `thread_lock=False` and `advance_runs=False`
        are for fault injection (`faults.py`): a thread with an active run then still takes messages and runs,
        and runs never move on from `queued`."""
        self._lock = threading.RLock()
        self._thread_lock = thread_lock
        self._advance_runs = advance_runs
        self._clock = clock
        self._new_id = ids
        self._run_ttl = run_ttl
        self._seq = itertools.count()
        self._order: dict[str, int] = {}
        self.assistants: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}  # thread id -> message id -> message
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}  # thread id -> run id -> run
        self.steps: dict[str, dict[str, dict[str, Any]]] = {}  # run id -> step id -> step

    # --- plumbing -----------------------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self._clock())

    def _register(self, obj: dict[str, Any]) -> dict[str, Any]:
        self._order[obj["id"]] = next(self._seq)
        return obj

    def page(
        self,
        items: Iterable[dict[str, Any]],
        *,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        tiebreak: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """One page of `items` sorted by `created_at` (ties in creation order), the way the API pages.

        `after` starts just past that id; `before` ends just before it and takes the `limit` items nearest to
        it. An id that is not in the list gives an empty page, so an SDK paging on it stops. `tiebreak` orders
        items with equal `created_at` (default: creation order).
        """
        ties = tiebreak if tiebreak is not None else self._order
        ordered = sorted(items, key=lambda o: (o["created_at"], ties[o["id"]]), reverse=order == "desc")
        ids = [o["id"] for o in ordered]
        start, end = 0, len(ordered)
        if after is not None:
            start = ids.index(after) + 1 if after in ids else end
        if before is not None:
            end = ids.index(before) if before in ids else start
        window = ordered[start:end] if start < end else []
        data = window[-limit:] if before is not None and after is None else window[:limit]
        return {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": len(window) > limit,
        }

    # --- assistants ---------------------------------------------------------------------------------------

    @_locked
    def create_assistant(self, body: dict[str, Any]) -> dict[str, Any]:
        assistant = {
            "id": self._new_id("asst"),
            "object": "assistant",
            "created_at": self._now(),
            "name": None,
            "description": None,
            "instructions": None,
            "tools": [],
            "file_ids": [],
            "tool_resources": {},
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
            "response_format": "auto",
            "reasoning_effort": None,
            "_file_times": {},
        }
        self._apply_assistant_fields(assistant, body)
        self.assistants[assistant["id"]] = self._register(assistant)
        return assistant

    def _apply_assistant_fields(self, assistant: dict[str, Any], body: dict[str, Any]) -> None:
        for key, value in body.items():
            if key == "tool_resources":
                assistant[key] = _plain_tool_resources(value, self._new_id)
            elif key == "file_ids":
                assistant[key] = list(value)
                for file_id in value:
                    assistant["_file_times"].setdefault(file_id, self._now())
            elif key == "metadata":
                assistant[key] = value if value is not None else {}
            else:
                assistant[key] = value

    @_locked
    def get_assistant(self, assistant_id: str) -> dict[str, Any]:
        try:
            return self.assistants[assistant_id]
        except KeyError:
            raise NotFound(f"No assistant found with id '{assistant_id}'.") from None

    @_locked
    def modify_assistant(self, assistant_id: str, body: dict[str, Any]) -> dict[str, Any]:
        assistant = self.get_assistant(assistant_id)
        self._apply_assistant_fields(assistant, body)
        return assistant

    @_locked
    def delete_assistant(self, assistant_id: str) -> dict[str, Any]:
        self.get_assistant(assistant_id)
        del self.assistants[assistant_id]
        return {"id": assistant_id, "object": "assistant.deleted", "deleted": True}

    @_locked
    def list_assistants(self, **paging: Any) -> dict[str, Any]:
        return self.page(self.assistants.values(), **paging)

    # --- assistant files (v1) -----------------------------------------------------------------------------

    def _assistant_file(self, assistant: dict[str, Any], file_id: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "assistant.file",
            "created_at": assistant["_file_times"].get(file_id, assistant["created_at"]),
            "assistant_id": assistant["id"],
        }

    @_locked
    def create_assistant_file(self, assistant_id: str, file_id: str) -> dict[str, Any]:
        assistant = self.get_assistant(assistant_id)
        # No cap at 20 here, though v1 documents one: how the API refuses the 21st file is not known, and a
        # refusal that depends on earlier calls reads as "valid request rejected" to a property-based tester.
        # The 20 is enforced where the contract can say it, on the file_ids of create and modify.
        if file_id not in assistant["file_ids"]:
            assistant["file_ids"].append(file_id)
            assistant["_file_times"][file_id] = self._now()
        return self._assistant_file(assistant, file_id)

    @_locked
    def get_assistant_file(self, assistant_id: str, file_id: str) -> dict[str, Any]:
        assistant = self.get_assistant(assistant_id)
        if file_id not in assistant["file_ids"]:
            raise NotFound(f"No file found with id '{file_id}' on assistant '{assistant_id}'.")
        return self._assistant_file(assistant, file_id)

    @_locked
    def delete_assistant_file(self, assistant_id: str, file_id: str) -> dict[str, Any]:
        self.get_assistant_file(assistant_id, file_id)
        self.assistants[assistant_id]["file_ids"].remove(file_id)
        return {"id": file_id, "object": "assistant.file.deleted", "deleted": True}

    @_locked
    def list_assistant_files(self, assistant_id: str, **paging: Any) -> dict[str, Any]:
        assistant = self.get_assistant(assistant_id)
        files = assistant["file_ids"]  # in attachment order, which breaks ties in created_at
        return self.page(
            (self._assistant_file(assistant, f) for f in files), tiebreak={f: i for i, f in enumerate(files)}, **paging
        )

    # --- threads ------------------------------------------------------------------------------------------

    @_locked
    def create_thread(self, body: dict[str, Any]) -> dict[str, Any]:
        thread = {
            "id": self._new_id("thread"),
            "object": "thread",
            "created_at": self._now(),
            "metadata": body.get("metadata") or {},
            "tool_resources": _plain_tool_resources(body.get("tool_resources"), self._new_id),
        }
        self.threads[thread["id"]] = self._register(thread)
        self.messages[thread["id"]] = {}
        self.runs[thread["id"]] = {}
        for message in body.get("messages") or []:
            self._add_message(thread["id"], message)
        return thread

    @_locked
    def get_thread(self, thread_id: str) -> dict[str, Any]:
        try:
            return self.threads[thread_id]
        except KeyError:
            raise NotFound(f"No thread found with id '{thread_id}'.") from None

    @_locked
    def modify_thread(self, thread_id: str, body: dict[str, Any]) -> dict[str, Any]:
        thread = self.get_thread(thread_id)
        if "metadata" in body:
            thread["metadata"] = body["metadata"] or {}
        if "tool_resources" in body:
            thread["tool_resources"] = _plain_tool_resources(body["tool_resources"], self._new_id)
        return thread

    @_locked
    def delete_thread(self, thread_id: str) -> dict[str, Any]:
        self.get_thread(thread_id)
        for run_id in self.runs.pop(thread_id, {}):
            self.steps.pop(run_id, None)
        self.messages.pop(thread_id, None)
        del self.threads[thread_id]
        return {"id": thread_id, "object": "thread.deleted", "deleted": True}

    # --- messages -----------------------------------------------------------------------------------------

    def _add_message(
        self, thread_id: str, body: dict[str, Any], *, assistant_id: str | None = None, run_id: str | None = None
    ) -> dict[str, Any]:
        now = self._now()
        attachments = body.get("attachments") or []
        file_ids = list(body.get("file_ids") or [a["file_id"] for a in attachments if a.get("file_id")])
        message = {
            "id": self._new_id("msg"),
            "object": "thread.message",
            "created_at": now,
            "thread_id": thread_id,
            "status": "completed",
            "incomplete_details": None,
            "completed_at": now,
            "incomplete_at": None,
            "role": body["role"],
            "content": _text_content(body["content"]),
            "assistant_id": assistant_id,
            "run_id": run_id,
            "file_ids": file_ids,
            "attachments": attachments or [{"file_id": f, "tools": []} for f in file_ids],
            "metadata": body.get("metadata") or {},
        }
        self.messages[thread_id][message["id"]] = self._register(message)
        return message

    @_locked
    def create_message(self, thread_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.get_thread(thread_id)
        active = self._active_run(thread_id) if self._thread_lock else None
        if active is not None:
            raise BadRequest(f"Can't add messages to {thread_id} while a run {active['id']} is active.")
        return self._add_message(thread_id, body)

    @_locked
    def get_message(self, thread_id: str, message_id: str) -> dict[str, Any]:
        self.get_thread(thread_id)
        try:
            return self.messages[thread_id][message_id]
        except KeyError:
            raise NotFound(f"No message found with id '{message_id}'.") from None

    @_locked
    def modify_message(self, thread_id: str, message_id: str, body: dict[str, Any]) -> dict[str, Any]:
        message = self.get_message(thread_id, message_id)
        if "metadata" in body:
            message["metadata"] = body["metadata"] or {}
        return message

    @_locked
    def delete_message(self, thread_id: str, message_id: str) -> dict[str, Any]:
        self.get_message(thread_id, message_id)
        del self.messages[thread_id][message_id]
        return {"id": message_id, "object": "thread.message.deleted", "deleted": True}

    @_locked
    def list_messages(self, thread_id: str, run_id: str | None = None, **paging: Any) -> dict[str, Any]:
        self.get_thread(thread_id)
        messages = self.messages[thread_id].values()
        if run_id is not None:
            messages = [m for m in messages if m["run_id"] == run_id]
        return self.page(messages, **paging)

    @_locked
    def get_message_file(self, thread_id: str, message_id: str, file_id: str) -> dict[str, Any]:
        message = self.get_message(thread_id, message_id)
        if file_id not in message["file_ids"]:
            raise NotFound(f"No file found with id '{file_id}' on message '{message_id}'.")
        return self._message_file(message, file_id)

    @_locked
    def list_message_files(self, thread_id: str, message_id: str, **paging: Any) -> dict[str, Any]:
        message = self.get_message(thread_id, message_id)
        files = message["file_ids"]  # they share the message's created_at: attachment order breaks the tie
        return self.page(
            (self._message_file(message, f) for f in files), tiebreak={f: i for i, f in enumerate(files)}, **paging
        )

    @staticmethod
    def _message_file(message: dict[str, Any], file_id: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "thread.message.file",
            "created_at": message["created_at"],
            "message_id": message["id"],
        }

    # --- runs ---------------------------------------------------------------------------------------------

    def _active_run(self, thread_id: str) -> dict[str, Any] | None:
        for run in self.runs.get(thread_id, {}).values():
            if run["status"] in ACTIVE_RUN_STATUSES:
                return run
        return None

    @_locked
    def create_run(self, thread_id: str, body: dict[str, Any], version: str) -> dict[str, Any]:
        self.get_thread(thread_id)
        assistant = self.get_assistant(body["assistant_id"])
        active = self._active_run(thread_id) if self._thread_lock else None
        if active is not None:
            raise BadRequest(f"Thread {thread_id} already has an active run {active['id']}.")
        for message in body.get("additional_messages") or []:
            self._add_message(thread_id, message)
        now = self._now()
        instructions = body["instructions"] if body.get("instructions") is not None else assistant["instructions"]
        if body.get("additional_instructions"):
            instructions = f"{instructions or ''}\n{body['additional_instructions']}".strip()
        run = {
            "id": self._new_id("run"),
            "object": "thread.run",
            "created_at": now,
            "thread_id": thread_id,
            "assistant_id": assistant["id"],
            "status": "queued",
            "required_action": None,
            "last_error": None,
            "expires_at": now + self._run_ttl,
            "started_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "incomplete_details": None,
            "model": body.get("model") or assistant["model"],
            "instructions": instructions or "",
            "tools": body["tools"] if body.get("tools") is not None else assistant["tools"],
            "file_ids": list(assistant["file_ids"]),
            "metadata": body.get("metadata") or {},
            "usage": None,
            "temperature": _pick(body, assistant, "temperature", 1.0),
            "top_p": _pick(body, assistant, "top_p", 1.0),
            "reasoning_effort": _pick(body, assistant, "reasoning_effort", None),
            "max_prompt_tokens": body.get("max_prompt_tokens"),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "truncation_strategy": body.get("truncation_strategy") or {"type": "auto", "last_messages": None},
            "tool_choice": body.get("tool_choice") or "auto",
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "response_format": _pick(body, assistant, "response_format", "auto"),
            "_version": version,
            "_tool_outputs": None,
        }
        self.runs[thread_id][run["id"]] = self._register(run)
        self.steps[run["id"]] = {}
        return run

    @_locked
    def create_thread_and_run(self, body: dict[str, Any], version: str) -> tuple[dict[str, Any], dict[str, Any]]:
        self.get_assistant(body["assistant_id"])  # 404 before anything is created
        thread_body = dict(body.get("thread") or {})
        if body.get("tool_resources") is not None and "tool_resources" not in thread_body:
            thread_body["tool_resources"] = body["tool_resources"]
        thread = self.create_thread(thread_body)
        run_body = {k: v for k, v in body.items() if k not in ("thread", "tool_resources", "stream")}
        return thread, self.create_run(thread["id"], run_body, version)

    def _run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        self.get_thread(thread_id)
        try:
            return self.runs[thread_id][run_id]
        except KeyError:
            raise NotFound(f"No run found with id '{run_id}'.") from None

    @_locked
    def get_run(self, thread_id: str, run_id: str, *, advance: bool = True) -> dict[str, Any]:
        run = self._run(thread_id, run_id)
        if advance:
            for _ in self._advance(run):
                pass
        return run

    @_locked
    def modify_run(self, thread_id: str, run_id: str, body: dict[str, Any]) -> dict[str, Any]:
        run = self._run(thread_id, run_id)
        if "metadata" in body:
            run["metadata"] = body["metadata"] or {}
        return run

    @_locked
    def list_runs(self, thread_id: str, **paging: Any) -> dict[str, Any]:
        self.get_thread(thread_id)
        for run in list(self.runs[thread_id].values()):
            for _ in self._advance(run):
                pass
        return self.page(self.runs[thread_id].values(), **paging)

    @_locked
    def cancel_run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        run = self._run(thread_id, run_id)
        if run["status"] not in ("queued", "in_progress", "requires_action"):
            raise BadRequest(f"Cannot cancel run with status '{run['status']}'.")
        run["status"] = "cancelling"
        run["required_action"] = None
        return run

    @_locked
    def submit_tool_outputs(
        self, thread_id: str, run_id: str, body: dict[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Take the outputs; return the run (queued again) and the tool steps this completed."""
        run = self._run(thread_id, run_id)
        if run["status"] != "requires_action":
            raise BadRequest(f'Runs in status "{run["status"]}" do not accept tool outputs.')
        expected = [c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
        outputs = body["tool_outputs"]
        given = [o.get("tool_call_id") for o in outputs]
        if None in given or sorted(given) != sorted(expected):
            raise BadRequest(f"Expected tool outputs for call_ids {expected!r}, got {given!r}", param="tool_outputs")
        by_id = {o["tool_call_id"]: o.get("output") or "" for o in outputs}
        now = self._now()
        completed = []
        for step in self.steps[run_id].values():
            if step["type"] == "tool_calls" and step["status"] == "in_progress":
                for call in step["step_details"]["tool_calls"]:
                    call["function"]["output"] = by_id.get(call["id"], "")
                step.update(status="completed", completed_at=now, usage=_usage(1, len(by_id)))
                completed.append(copy.deepcopy(step))
        run.update(status="queued", required_action=None, _tool_outputs=[by_id[i] for i in expected])
        return run, completed

    # --- steps --------------------------------------------------------------------------------------------

    @_locked
    def get_step(self, thread_id: str, run_id: str, step_id: str) -> dict[str, Any]:
        self._run(thread_id, run_id)
        try:
            return self.steps[run_id][step_id]
        except KeyError:
            raise NotFound(f"No run step found with id '{step_id}'.") from None

    @_locked
    def list_steps(self, thread_id: str, run_id: str, **paging: Any) -> dict[str, Any]:
        self._run(thread_id, run_id)
        return self.page(self.steps[run_id].values(), **paging)

    # --- the lifecycle ------------------------------------------------------------------------------------

    @_locked
    def stream_run(self, thread_id: str, run_id: str) -> list[Event]:
        """Drive a run to where it stops (terminal or requires_action) and return every event on the way."""
        run = self._run(thread_id, run_id)
        events: list[Event] = []
        while True:
            # Copy each payload as it is yielded: the objects keep changing as the run moves on.
            emitted = [(name, copy.deepcopy(data)) for name, data in self._advance(run)]
            if not emitted:
                return events
            events.extend(emitted)

    def _advance(self, run: dict[str, Any]) -> Iterator[Event]:
        """Move the run one step and yield the stream events that step produces; nothing if it cannot move."""
        if not self._advance_runs:
            return
        now = self._now()
        status = run["status"]
        if status in ("queued", "in_progress", "requires_action") and run["expires_at"] and now >= run["expires_at"]:
            yield from self._finish(run, "expired", now)
        elif status == "queued":
            if run["_tool_outputs"] is None:  # after tool outputs, the submit call reported the queued state
                yield ("thread.run.queued", run)
            run.update(status="in_progress", started_at=run["started_at"] or now)
            yield ("thread.run.in_progress", run)
        elif status == "in_progress":
            yield from self._decide(run, now)
        elif status == "cancelling":
            yield from self._finish(run, "cancelled", now)

    def _decide(self, run: dict[str, Any], now: int) -> Iterator[Event]:
        plan = plan_run(run, run["_version"], run["_tool_outputs"] is not None)
        if plan.outcome == "tools":
            calls = [
                {"id": self._new_id("call"), "type": "function", "function": {"name": name, "arguments": args}}
                for name, args in plan.function_calls
            ]
            step = self._new_step(run, "tool_calls", {"type": "tool_calls", "tool_calls": []})
            yield ("thread.run.step.created", step)
            yield ("thread.run.step.in_progress", step)
            for index, call in enumerate(calls):
                detail = {**call, "function": {**call["function"], "output": None}}
                step["step_details"]["tool_calls"].append(detail)
                delta = {"step_details": {"type": "tool_calls", "tool_calls": [{"index": index, **detail}]}}
                yield ("thread.run.step.delta", {"id": step["id"], "object": "thread.run.step.delta", "delta": delta})
            run.update(
                status="requires_action",
                required_action={"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}},
            )
            yield ("thread.run.requires_action", run)
        elif plan.outcome == "reply":
            yield from self._reply(run, now, complete=True)
            yield from self._finish(run, "completed", now)
        elif plan.outcome == "incomplete":
            yield from self._reply(run, now, complete=False)
            yield from self._finish(run, "incomplete", now)
        elif plan.outcome == "fail":
            yield from self._finish(run, "failed", now)
        else:
            yield from self._finish(run, "expired", now)

    def _reply(self, run: dict[str, Any], now: int, *, complete: bool) -> Iterator[Event]:
        thread_id = run["thread_id"]
        history = sorted(self.messages[thread_id].values(), key=lambda m: self._order[m["id"]])
        text = reply_text(history, run["_tool_outputs"] or [])
        message = self._add_message(
            thread_id, {"role": "assistant", "content": ""}, assistant_id=run["assistant_id"], run_id=run["id"]
        )
        message.update(status="in_progress", completed_at=None, content=[])
        step = self._new_step(
            run, "message_creation", {"type": "message_creation", "message_creation": {"message_id": message["id"]}}
        )
        yield ("thread.run.step.created", step)
        yield ("thread.run.step.in_progress", step)
        yield ("thread.message.created", message)
        yield ("thread.message.in_progress", message)
        words = text.split(" ")
        if not complete:
            words = words[: max(1, len(words) // 2)]
        for i, word in enumerate(words):
            chunk = word if i == 0 else " " + word
            part = {"index": 0, "type": "text", "text": {"value": chunk, "annotations": []}}
            yield (
                "thread.message.delta",
                {"id": message["id"], "object": "thread.message.delta", "delta": {"content": [part]}},
            )
        message["content"] = [{"type": "text", "text": {"value": " ".join(words), "annotations": []}}]
        prompt = sum(count_tokens(p["text"]["value"]) for m in history for p in m["content"] if p["type"] == "text")
        completion = count_tokens(" ".join(words))
        step.update(status="completed", completed_at=now, usage=_usage(prompt, completion))
        if complete:
            message.update(status="completed", completed_at=now)
            yield ("thread.message.completed", message)
        else:
            message.update(status="incomplete", incomplete_at=now, incomplete_details={"reason": "max_tokens"})
            yield ("thread.message.incomplete", message)
        yield ("thread.run.step.completed", step)
        run["_usage"] = _usage(prompt, completion)

    def _finish(self, run: dict[str, Any], status: str, now: int) -> Iterator[Event]:
        run["status"] = status
        run["required_action"] = None
        run["usage"] = run.pop("_usage", None) or _usage(1, 0)
        step_status = {"completed": "completed", "incomplete": "completed"}.get(status, status)
        if status == "completed":
            run.update(completed_at=now, expires_at=None)
        elif status == "incomplete":
            run.update(incomplete_details={"reason": "max_completion_tokens"}, expires_at=None)
        elif status == "failed":
            run.update(failed_at=now, last_error={"code": "server_error", "message": "The run failed, as asked."})
        elif status == "cancelled":
            run["cancelled_at"] = now
        for step in self.steps[run["id"]].values():
            if step["status"] == "in_progress":
                field = {"cancelled": "cancelled_at", "failed": "failed_at", "expired": "expired_at"}.get(status)
                step.update(status=step_status, **({field: now} if field else {"completed_at": now}))
                yield (f"thread.run.step.{step['status']}", step)
        yield (f"thread.run.{status}", run)

    def _new_step(self, run: dict[str, Any], kind: str, details: dict[str, Any]) -> dict[str, Any]:
        step = {
            "id": self._new_id("step"),
            "object": "thread.run.step",
            "created_at": self._now(),
            "assistant_id": run["assistant_id"],
            "thread_id": run["thread_id"],
            "run_id": run["id"],
            "type": kind,
            "status": "in_progress",
            "step_details": details,
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "metadata": {},
            "usage": None,
        }
        self.steps[run["id"]][step["id"]] = self._register(step)
        return step

    @_locked
    def snapshot(self) -> dict[str, int]:
        """Object counts, for tests and the concurrency check."""
        return {
            "assistants": len(self.assistants),
            "threads": len(self.threads),
            "messages": sum(len(m) for m in self.messages.values()),
            "runs": sum(len(r) for r in self.runs.values()),
            "steps": sum(len(s) for s in self.steps.values()),
        }


def _pick(body: dict[str, Any], assistant: dict[str, Any], key: str, default: Any) -> Any:
    if body.get(key) is not None:
        return body[key]
    if assistant.get(key) is not None:
        return assistant[key]
    return default


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _plain_tool_resources(value: Any, ids: Callable[[str], str]) -> dict[str, Any]:
    """Tool resources as objects carry them: the create-time `vector_stores` helper becomes store ids."""
    if not value:
        return {}
    resources = json.loads(json.dumps(value))
    search = resources.get("file_search")
    if isinstance(search, dict) and "vector_stores" in search:
        helpers = search.pop("vector_stores") or []
        search["vector_store_ids"] = search.get("vector_store_ids") or [ids("vs") for _ in helpers]
    return resources
