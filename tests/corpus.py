"""Realistic Assistants API objects, v1 and v2, as the API sends them: the test corpus.

Every factory takes the API version (`"v1"` or `"v2"`) first and returns a fresh, JSON-ready `dict`, so a test may
mutate what it gets. The shapes follow the API's field tables: every key the API always sends is present, with
`None` where the API sends null (a run's `last_error` until it fails, `usage` until it ends, a hand-written
message's `assistant_id` ...). v1 objects carry `file_ids` and the `retrieval` tool; v2 objects carry
`tool_resources`, `attachments`, `file_search` and the sampling fields instead.

Ids look like the real ones (`asst_` + 24 letters and digits, `file-` with a dash) and are derived from a name,
so the same name always gives the same id. Times are Unix seconds around 2024-04-29.

    assistant("v2")                   run("v1", "requires_action")        page([...])  /  empty_page()
    message("v2", "assistant")        run_step("v2", "file_search")       sse(run_stream("v2"))
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from typing import Any

VERSIONS = ("v1", "v2")
T0 = 1714377600  # 2024-04-29 08:00:00 UTC

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def make_id(prefix: str, name: str) -> str:
    """A real-looking id: `prefix` + 24 letters and digits, always the same for the same name."""
    number = int.from_bytes(hashlib.sha256(f"{prefix}{name}".encode()).digest(), "big")
    chars = []
    for _ in range(24):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return prefix + "".join(chars)


ASSISTANT_ID = make_id("asst_", "analyst")
THREAD_ID = make_id("thread_", "main")
USER_MESSAGE_ID = make_id("msg_", "question")
ASSISTANT_MESSAGE_ID = make_id("msg_", "answer")
RUN_ID = make_id("run_", "main")
MESSAGE_STEP_ID = make_id("step_", "message")
TOOL_STEP_ID = make_id("step_", "tools")
CODE_CALL_ID = make_id("call_", "code")
SEARCH_CALL_ID = make_id("call_", "search")
FUNCTION_CALL_ID = make_id("call_", "weather")
SECOND_FUNCTION_CALL_ID = make_id("call_", "forecast")
CSV_FILE_ID = make_id("file-", "sales.csv")
PDF_FILE_ID = make_id("file-", "handbook.pdf")
CHART_FILE_ID = make_id("file-", "chart.png")
PHOTO_FILE_ID = make_id("file-", "photo.jpg")
VECTOR_STORE_ID = make_id("vs_", "handbook")

INSTRUCTIONS = "You are a data analyst. Answer questions about the attached sales figures; cite your sources."
WEATHER_FUNCTION = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city"],
    },
}


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"unknown API version {version!r}")


# --- tools ---------------------------------------------------------------------------------------------------


def tools(version: str) -> list[dict[str, Any]]:
    """An assistant's tool list: code interpreter, the version's search tool, a function."""
    _check_version(version)
    if version == "v1":
        search: dict[str, Any] = {"type": "retrieval"}
    else:
        search = {
            "type": "file_search",
            "file_search": {"ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0}},
        }
    function = {"type": "function", "function": copy.deepcopy(WEATHER_FUNCTION)}
    if version == "v2":
        function["function"]["strict"] = False
    return [{"type": "code_interpreter"}, search, function]


# --- assistants ----------------------------------------------------------------------------------------------


def assistant(version: str, name: str = "analyst") -> dict[str, Any]:
    _check_version(version)
    obj: dict[str, Any] = {
        "id": make_id("asst_", name),
        "object": "assistant",
        "created_at": T0,
        "name": "Sales analyst",
        "description": None,
        "model": "gpt-4-turbo" if version == "v1" else "gpt-4o",
        "instructions": INSTRUCTIONS,
        "tools": tools(version),
    }
    if version == "v1":
        obj["file_ids"] = [CSV_FILE_ID, PDF_FILE_ID]
        obj["metadata"] = {}
    else:
        obj["tool_resources"] = {
            "code_interpreter": {"file_ids": [CSV_FILE_ID]},
            "file_search": {"vector_store_ids": [VECTOR_STORE_ID]},
        }
        obj["metadata"] = {}
        obj["temperature"] = 1.0
        obj["top_p"] = 1.0
        obj["response_format"] = "auto"
    return obj


def assistant_minimal(version: str) -> dict[str, Any]:
    """An assistant made with nothing but a model: nulls and empty lists everywhere."""
    obj = assistant(version, "bare")
    obj.update(name=None, instructions=None, tools=[], metadata=None)
    if version == "v1":
        obj["file_ids"] = []
    else:
        obj.update(tool_resources={}, temperature=None, top_p=None, response_format=None)
    return obj


def assistant_structured(version: str = "v2") -> dict[str, Any]:
    """v2 only: an assistant held to a JSON schema (structured outputs), with a reasoning effort."""
    if version != "v2":
        raise ValueError("structured outputs exist only in v2")
    obj = assistant("v2", "extractor")
    obj.update(
        name="Invoice extractor",
        description="Pulls totals out of invoices.",
        model="o3-mini",
        tools=[{"type": "function", "function": {"name": "lookup_vendor", "strict": True}}],
        tool_resources={"code_interpreter": {"file_ids": []}},
        metadata={"team": "finance", "owner": "ops-bot"},
        temperature=0.2,
        top_p=0.9,
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "invoice_total",
                "description": "The total of one invoice.",
                "schema": {
                    "type": "object",
                    "properties": {"total": {"type": "number"}, "currency": {"type": "string"}},
                    "required": ["total", "currency"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        },
        reasoning_effort="medium",
    )
    return obj


def assistant_file(version: str = "v1") -> dict[str, Any]:
    """v1 only: a file attached to an assistant; its id is the file's."""
    if version != "v1":
        raise ValueError("assistant files exist only in v1")
    return {"id": CSV_FILE_ID, "object": "assistant.file", "created_at": T0 + 5, "assistant_id": ASSISTANT_ID}


# --- threads -------------------------------------------------------------------------------------------------


def thread(version: str, name: str = "main") -> dict[str, Any]:
    _check_version(version)
    obj: dict[str, Any] = {"id": make_id("thread_", name), "object": "thread", "created_at": T0 + 60}
    if version == "v2":
        obj["tool_resources"] = {}
    obj["metadata"] = {}
    return obj


def thread_with_resources(version: str = "v2") -> dict[str, Any]:
    """v2 only: a thread with its own files and vector store, and some metadata."""
    if version != "v2":
        raise ValueError("thread tool_resources exist only in v2")
    obj = thread("v2", "resourced")
    obj["tool_resources"] = {
        "code_interpreter": {"file_ids": [CSV_FILE_ID]},
        "file_search": {"vector_store_ids": [VECTOR_STORE_ID]},
    }
    obj["metadata"] = {"customer": "acme", "channel": "web"}
    return obj


# --- messages ------------------------------------------------------------------------------------------------


def text_part(value: str, annotations: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": list(annotations)}}


def file_citation(version: str, start: int, end: int) -> dict[str, Any]:
    citation: dict[str, Any] = {"file_id": PDF_FILE_ID}
    if version == "v1":
        citation["quote"] = "Refunds are issued within 14 days of the return."
    return {
        "type": "file_citation",
        "text": "【4:0†handbook.pdf】",
        "file_citation": citation,
        "start_index": start,
        "end_index": end,
    }


def file_path(start: int, end: int) -> dict[str, Any]:
    return {
        "type": "file_path",
        "text": "sandbox:/mnt/data/q1_totals.csv",
        "file_path": {"file_id": CHART_FILE_ID},
        "start_index": start,
        "end_index": end,
    }


def _message_base(version: str, message_id: str, role: str) -> dict[str, Any]:
    _check_version(version)
    obj: dict[str, Any] = {
        "id": message_id,
        "object": "thread.message",
        "created_at": T0 + 61,
        "thread_id": THREAD_ID,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": T0 + 61 if role == "user" else T0 + 75,
        "incomplete_at": None,
        "role": role,
        "content": [],
        "assistant_id": None,
        "run_id": None,
    }
    if version == "v1":
        obj["file_ids"] = []
    else:
        obj["attachments"] = []
    obj["metadata"] = {}
    return obj


def message(version: str, role: str = "user") -> dict[str, Any]:
    """A user question (with a file attached) or the assistant's answer (annotated text plus a chart)."""
    if role == "user":
        obj = _message_base(version, USER_MESSAGE_ID, "user")
        obj["content"] = [text_part("What were total sales in Q1, and what is the refund policy?")]
        if version == "v1":
            obj["file_ids"] = [CSV_FILE_ID]
        else:
            obj["attachments"] = [{"file_id": CSV_FILE_ID, "tools": [{"type": "code_interpreter"}]}]
        return obj
    obj = _message_base(version, ASSISTANT_MESSAGE_ID, "assistant")
    answer = (
        "Q1 sales were $1.2M (totals: sandbox:/mnt/data/q1_totals.csv). "
        "Refunds are issued within 14 days【4:0†handbook.pdf】."
    )
    cite_at = answer.index("【")
    path_at = answer.index("sandbox:")
    obj["content"] = [
        text_part(
            answer,
            [
                file_path(path_at, path_at + len("sandbox:/mnt/data/q1_totals.csv")),
                file_citation(version, cite_at, cite_at + len("【4:0†handbook.pdf】")),
            ],
        ),
        {"type": "image_file", "image_file": {"file_id": CHART_FILE_ID}},
    ]
    obj.update(assistant_id=ASSISTANT_ID, run_id=RUN_ID, created_at=T0 + 70)
    return obj


def message_with_images(version: str = "v2") -> dict[str, Any]:
    """v2 only: a user message made of an image URL, an uploaded image and a line of text."""
    if version != "v2":
        raise ValueError("image_url parts exist only in v2")
    obj = _message_base("v2", make_id("msg_", "photos"), "user")
    obj["content"] = [
        {"type": "image_url", "image_url": {"url": "https://example.com/receipts/2024-04.png", "detail": "high"}},
        {"type": "image_file", "image_file": {"file_id": PHOTO_FILE_ID, "detail": "low"}},
        text_part("Which of these receipts is larger?"),
    ]
    obj["attachments"] = [{"file_id": PDF_FILE_ID, "tools": [{"type": "file_search"}]}]
    obj["metadata"] = None
    return obj


def message_refusal(version: str = "v2") -> dict[str, Any]:
    """v2 only: an assistant message that refused (structured outputs)."""
    if version != "v2":
        raise ValueError("refusal parts exist only in v2")
    obj = _message_base("v2", make_id("msg_", "refusal"), "assistant")
    obj["content"] = [{"type": "refusal", "refusal": "I can't help with extracting personal data."}]
    obj.update(assistant_id=ASSISTANT_ID, run_id=RUN_ID, attachments=None)
    return obj


def message_incomplete(version: str) -> dict[str, Any]:
    """An assistant message cut short because its run was cancelled."""
    obj = message(version, "assistant")
    obj.update(
        id=make_id("msg_", "cut"),
        status="incomplete",
        incomplete_details={"reason": "run_cancelled"},
        completed_at=None,
        incomplete_at=T0 + 72,
    )
    obj["content"] = [text_part("Q1 sales were")]
    return obj


def message_in_progress(version: str) -> dict[str, Any]:
    """The assistant's answer as `thread.message.created` announces it: no content yet."""
    obj = message(version, "assistant")
    obj.update(status="in_progress", completed_at=None, content=[])
    return obj


def message_file(version: str = "v1") -> dict[str, Any]:
    """v1 only: a file attached to a message; its id is the file's."""
    if version != "v1":
        raise ValueError("message files exist only in v1")
    return {"id": CSV_FILE_ID, "object": "thread.message.file", "created_at": T0 + 61, "message_id": USER_MESSAGE_ID}


# --- runs ----------------------------------------------------------------------------------------------------

RUN_STATUSES = {
    "v1": ("queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed", "completed", "expired"),
    "v2": (
        "queued",
        "in_progress",
        "requires_action",
        "cancelling",
        "cancelled",
        "failed",
        "completed",
        "incomplete",
        "expired",
    ),
}


def usage(prompt: int = 812, completion: int = 154) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def tool_call(call_id: str = FUNCTION_CALL_ID, city: str = "Paris") -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": city, "unit": "c"})},
    }


def run(version: str, status: str = "queued") -> dict[str, Any]:
    """A run in `status`, with the timestamps, errors and usage a run in that status has."""
    _check_version(version)
    if status not in RUN_STATUSES[version]:
        raise ValueError(f"{version} runs have no status {status!r}")
    obj: dict[str, Any] = {
        "id": RUN_ID,
        "object": "thread.run",
        "created_at": T0 + 62,
        "thread_id": THREAD_ID,
        "assistant_id": ASSISTANT_ID,
        "status": status,
        "required_action": None,
        "last_error": None,
        "expires_at": T0 + 662,
        "started_at": None if status == "queued" else T0 + 63,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "incomplete_details": None,
        "model": "gpt-4-turbo" if version == "v1" else "gpt-4o",
        "instructions": INSTRUCTIONS,
        "tools": tools(version),
    }
    if version == "v1":
        obj["file_ids"] = [CSV_FILE_ID, PDF_FILE_ID]
    obj.update(
        metadata={},
        usage=None,
        temperature=1.0,
        max_prompt_tokens=None,
        max_completion_tokens=None,
        truncation_strategy={"type": "auto", "last_messages": None},
        tool_choice="auto",
        response_format="auto",
    )
    if version == "v2":
        obj.update(top_p=1.0, parallel_tool_calls=True)
    ended = status in ("cancelled", "failed", "completed", "incomplete", "expired")
    if ended:
        obj["expires_at"] = None
        obj["usage"] = usage()
    if status == "requires_action":
        obj["required_action"] = {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {
                "tool_calls": [tool_call(), tool_call(SECOND_FUNCTION_CALL_ID, "Lyon")],
            },
        }
    elif status == "cancelled":
        obj["cancelled_at"] = T0 + 70
    elif status == "failed":
        obj["failed_at"] = T0 + 70
        obj["last_error"] = {"code": "rate_limit_exceeded", "message": "You exceeded your current quota."}
        obj["usage"] = usage(812, 0)
    elif status == "completed":
        obj["completed_at"] = T0 + 75
    elif status == "incomplete":
        obj["max_completion_tokens"] = 256
        obj["incomplete_details"] = {"reason": "max_completion_tokens"}
        obj["usage"] = usage(812, 256)
    elif status == "expired":
        obj["expires_at"] = T0 + 662
        obj["usage"] = None
    return obj


def run_with_options(version: str) -> dict[str, Any]:
    """A run created with every override: truncation, a forced function, JSON mode, token limits, metadata."""
    obj = run(version, "in_progress")
    obj.update(
        instructions="Answer in one sentence.",
        tools=[{"type": "function", "function": copy.deepcopy(WEATHER_FUNCTION)}],
        metadata={"request_id": "req-8812"},
        temperature=0.3,
        max_prompt_tokens=2000,
        max_completion_tokens=500,
        truncation_strategy={"type": "last_messages", "last_messages": 6},
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        response_format={"type": "json_object"},
    )
    if version == "v1":
        obj["file_ids"] = []
    else:
        obj.update(top_p=0.8, parallel_tool_calls=False, reasoning_effort=None)
    return obj


# --- run steps -----------------------------------------------------------------------------------------------

STEP_KINDS = ("message_creation", "code_interpreter", "retrieval", "file_search", "function", "function_output")


def _step_base(version: str, step_id: str, kind: str, details: dict[str, Any]) -> dict[str, Any]:
    _check_version(version)
    return {
        "id": step_id,
        "object": "thread.run.step",
        "created_at": T0 + 64,
        "assistant_id": ASSISTANT_ID,
        "thread_id": THREAD_ID,
        "run_id": RUN_ID,
        "type": kind,
        "status": "completed",
        "step_details": details,
        "last_error": None,
        "expired_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": T0 + 74,
        "metadata": None,
        "usage": usage(640, 120),
    }


def code_interpreter_call() -> dict[str, Any]:
    return {
        "id": CODE_CALL_ID,
        "type": "code_interpreter",
        "code_interpreter": {
            "input": "import pandas as pd\ndf = pd.read_csv('/mnt/data/sales.csv')\ndf.plot()\nprint(df.total.sum())",
            "outputs": [
                {"type": "logs", "logs": "1204331.5\n"},
                {"type": "image", "image": {"file_id": CHART_FILE_ID}},
            ],
        },
    }


def search_call(version: str) -> dict[str, Any]:
    if version == "v1":
        return {"id": SEARCH_CALL_ID, "type": "retrieval", "retrieval": {}}
    return {
        "id": SEARCH_CALL_ID,
        "type": "file_search",
        "file_search": {
            "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0},
            "results": [
                {
                    "file_id": PDF_FILE_ID,
                    "file_name": "handbook.pdf",
                    "score": 0.87,
                    "content": [{"type": "text", "text": "Refunds are issued within 14 days of the return."}],
                },
                {"file_id": CSV_FILE_ID, "file_name": "sales.csv", "score": 0.31},
            ],
        },
    }


def function_call(output: str | None = None) -> dict[str, Any]:
    call = tool_call()
    call["function"]["output"] = output
    return call


def run_step(version: str, kind: str = "message_creation") -> dict[str, Any]:
    """A completed run step: `message_creation`, or a `tool_calls` step holding one call of `kind`
    (`code_interpreter`, `retrieval` (v1), `file_search` (v2), `function` (output still null) or
    `function_output` (output submitted))."""
    if kind == "message_creation":
        details = {"type": "message_creation", "message_creation": {"message_id": ASSISTANT_MESSAGE_ID}}
        return _step_base(version, MESSAGE_STEP_ID, "message_creation", details)
    if kind == "code_interpreter":
        call = code_interpreter_call()
    elif kind in ("retrieval", "file_search"):
        if (kind == "retrieval") != (version == "v1"):
            raise ValueError(f"{version} has no {kind} tool calls")
        call = search_call(version)
    elif kind == "function":
        call = function_call(None)
    elif kind == "function_output":
        call = function_call('{"temperature": 18, "unit": "c", "sky": "cloudy"}')
    else:
        raise ValueError(f"unknown step kind {kind!r}")
    step = _step_base(version, make_id("step_", kind), "tool_calls", {"type": "tool_calls", "tool_calls": [call]})
    if kind == "function":  # waits for the outputs: not finished, no usage yet
        step.update(status="in_progress", completed_at=None, usage=None)
    return step


def run_step_all_tools(version: str) -> dict[str, Any]:
    """One tool_calls step with a code interpreter call, a search call and a function call."""
    step = run_step(version, "code_interpreter")
    step["id"] = TOOL_STEP_ID
    step["step_details"]["tool_calls"] = [code_interpreter_call(), search_call(version), function_call("18C, cloudy")]
    return step


def run_step_failed(version: str) -> dict[str, Any]:
    step = run_step(version, "code_interpreter")
    step.update(
        id=make_id("step_", "failed"),
        status="failed",
        last_error={"code": "server_error", "message": "The code interpreter timed out."},
        completed_at=None,
        failed_at=T0 + 70,
    )
    return step


# --- envelopes -----------------------------------------------------------------------------------------------


def page(items: list[dict[str, Any]], has_more: bool = False) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


def empty_page() -> dict[str, Any]:
    return page([])


def message_page(version: str, count: int = 100) -> dict[str, Any]:
    """A full page of `count` alternating user / assistant messages, newest first, more to come."""
    items = []
    for i in range(count):
        item = message(version, "user" if i % 2 else "assistant")
        item["id"] = make_id("msg_", f"history-{i}")
        item["created_at"] = T0 + 10_000 - i * 30
        items.append(item)
    return page(items, has_more=True)


def deleted(kind: str, object_id: str) -> dict[str, Any]:
    """A delete confirmation: kind is `assistant`, `thread`, `thread.message` (v2) or `assistant.file` (v1)."""
    return {"id": object_id, "object": f"{kind}.deleted", "deleted": True}


def error(message: str, type_: str = "invalid_request_error", param: str | None = None, code: str | None = None):
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


ERRORS = {
    400: error(
        "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the"
        " header 'OpenAI-Beta: assistants=v2'.",
        code="invalid_beta",
    ),
    401: error(
        "Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    ),
    404: error(f"No assistant found with id '{ASSISTANT_ID}'."),
    429: error("Rate limit reached for gpt-4o on requests per min.", type_="requests", code="rate_limit_exceeded"),
    500: error("The server had an error while processing your request. Sorry about that!", type_="server_error"),
}


# --- streams -------------------------------------------------------------------------------------------------


def sse(events: Iterable[tuple[str, Any]]) -> bytes:
    """Events as the wire carries them: `event: <name>` and `data: <json>` lines, a blank line after each.
    A `str` payload goes out as it is (the final `[DONE]`)."""
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        out.append(f"event: {name}\ndata: {text}\n\n")
    return "".join(out).encode()


DONE = ("done", "[DONE]")


def _message_delta(message_id: str, index: int, value: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "object": "thread.message.delta",
        "delta": {"content": [{"index": index, "type": "text", "text": {"value": value, "annotations": []}}]},
    }


def run_stream_events(version: str) -> list[tuple[str, Any]]:
    """A run that writes one message and completes, event by event (`done` last)."""
    step = run_step(version, "message_creation")
    step_started = copy.deepcopy(step)
    step_started.update(status="in_progress", completed_at=None, usage=None)
    answer = message(version, "assistant")
    answer["content"] = [text_part("Q1 sales were ≈ €1.2M.")]
    first_delta = _message_delta(ASSISTANT_MESSAGE_ID, 0, "Q1 sales")
    first_delta["delta"]["role"] = "assistant"
    return [
        ("thread.run.created", run(version, "queued")),
        ("thread.run.queued", run(version, "queued")),
        ("thread.run.in_progress", run(version, "in_progress")),
        ("thread.run.step.created", step_started),
        ("thread.run.step.in_progress", step_started),
        ("thread.message.created", message_in_progress(version)),
        ("thread.message.in_progress", message_in_progress(version)),
        ("thread.message.delta", first_delta),
        ("thread.message.delta", _message_delta(ASSISTANT_MESSAGE_ID, 0, " were")),
        ("thread.message.delta", _message_delta(ASSISTANT_MESSAGE_ID, 0, " ≈ €1.2M.")),
        ("thread.message.completed", answer),
        ("thread.run.step.completed", step),
        ("thread.run.completed", run(version, "completed")),
        DONE,
    ]


def _step_delta(index: int, function: dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "type": "function", "function": function}
    if call_id:
        call["id"] = call_id
    return {
        "id": TOOL_STEP_ID,
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}},
    }


def function_call_stream_events(version: str) -> list[tuple[str, Any]]:
    """A run that calls a function and stops in `requires_action`; the stream then ends with `done`."""
    step = run_step(version, "function")
    step["id"] = TOOL_STEP_ID
    step["step_details"]["tool_calls"] = []
    return [
        ("thread.run.created", run(version, "queued")),
        ("thread.run.queued", run(version, "queued")),
        ("thread.run.in_progress", run(version, "in_progress")),
        ("thread.run.step.created", step),
        ("thread.run.step.in_progress", step),
        (
            "thread.run.step.delta",
            _step_delta(0, {"name": "get_weather", "arguments": "", "output": None}, FUNCTION_CALL_ID),
        ),
        ("thread.run.step.delta", _step_delta(0, {"arguments": '{"city": '})),
        ("thread.run.step.delta", _step_delta(0, {"arguments": '"Paris", "unit": "c"}'})),
        ("thread.run.requires_action", run(version, "requires_action")),
        DONE,
    ]


def tool_outputs_stream_events(version: str) -> list[tuple[str, Any]]:
    """What submitting the outputs with `stream: true` sends: the function step completes, the run resumes."""
    step = run_step(version, "function_output")
    return [
        ("thread.run.step.completed", step),
        ("thread.run.queued", run(version, "queued")),
        ("thread.run.in_progress", run(version, "in_progress")),
        *run_stream_events(version)[3:],
    ]


def thread_and_run_stream_events(version: str) -> list[tuple[str, Any]]:
    """createThreadAndRun with `stream: true`: `thread.created` first, then the run's events."""
    return [("thread.created", thread(version)), *run_stream_events(version)]


def run_stream(version: str) -> bytes:
    return sse(run_stream_events(version))


def function_call_stream(version: str) -> bytes:
    return sse(function_call_stream_events(version))


def tool_outputs_stream(version: str) -> bytes:
    return sse(tool_outputs_stream_events(version))


def thread_and_run_stream(version: str) -> bytes:
    return sse(thread_and_run_stream_events(version))


# --- the whole corpus ----------------------------------------------------------------------------------------


def response_variants(version: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every realistic object of `version` as `(name, operation that returns it, body)`: single objects under
    their get operation, pages under their list operation."""
    _check_version(version)
    v = version
    found: list[tuple[str, str, dict[str, Any]]] = [
        ("assistant", "getAssistant", assistant(v)),
        ("assistant-minimal", "getAssistant", assistant_minimal(v)),
        ("thread", "getThread", thread(v)),
        ("message-user", "getMessage", message(v, "user")),
        ("message-assistant", "getMessage", message(v, "assistant")),
        ("message-incomplete", "getMessage", message_incomplete(v)),
        ("message-in-progress", "getMessage", message_in_progress(v)),
        *((f"run-{status}", "getRun", run(v, status)) for status in RUN_STATUSES[v]),
        ("run-with-options", "getRun", run_with_options(v)),
        ("step-message-creation", "getRunStep", run_step(v, "message_creation")),
        ("step-code-interpreter", "getRunStep", run_step(v, "code_interpreter")),
        ("step-retrieval" if v == "v1" else "step-file-search", "getRunStep", run_step(v, search_call(v)["type"])),
        ("step-function-pending", "getRunStep", run_step(v, "function")),
        ("step-function-output", "getRunStep", run_step(v, "function_output")),
        ("step-all-tools", "getRunStep", run_step_all_tools(v)),
        ("step-failed", "getRunStep", run_step_failed(v)),
        ("assistant-page", "listAssistants", page([assistant(v), assistant_minimal(v)], has_more=True)),
        ("assistant-page-empty", "listAssistants", empty_page()),
        ("message-page-100", "listMessages", message_page(v)),
        ("message-page-empty", "listMessages", empty_page()),
        ("run-page", "listRuns", page([run(v, "completed"), run(v, "failed"), run(v, "expired")])),
        ("step-page", "listRunSteps", page([run_step_all_tools(v), run_step(v, "message_creation")])),
        ("step-page-empty", "listRunSteps", empty_page()),
    ]
    if v == "v1":
        found += [
            ("assistant-file", "getAssistantFile", assistant_file()),
            ("assistant-file-page", "listAssistantFiles", page([assistant_file()])),
            ("assistant-file-page-empty", "listAssistantFiles", empty_page()),
            ("message-file", "getMessageFile", message_file()),
            ("message-file-page", "listMessageFiles", page([message_file()])),
        ]
    else:
        found += [
            ("assistant-structured", "getAssistant", assistant_structured()),
            ("thread-with-resources", "getThread", thread_with_resources()),
            ("thread-no-resources", "getThread", dict(thread(v), tool_resources=None, metadata=None)),
            ("message-images", "getMessage", message_with_images()),
            ("message-refusal", "getMessage", message_refusal()),
        ]
    return found
