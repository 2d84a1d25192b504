"""The simulated model: what a run decides to do. Deterministic, pure, no state.

Given the run's settings and the thread's messages it says whether the run calls functions (and with which
arguments), replies with text, fails, ends incomplete or expires. Markers in the run's instructions (the
assistant's instructions, a run override, or `additional_instructions`) pick the unhappy endings, so clients
can test those paths:

| marker            | the run ...                                                              |
|-------------------|--------------------------------------------------------------------------|
| `[[fail]]`        | fails with `last_error.code = server_error`                              |
| `[[incomplete]]`  | ends `incomplete` (`max_completion_tokens`); v1 has no such status: fails |
| `[[expire]]`      | expires instead of finishing                                             |
| `[[no-tools]]`    | answers with text even when function tools are available                 |
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Plan", "plan_run", "reply_text", "count_tokens", "example_arguments"]

FAIL, INCOMPLETE, EXPIRE, NO_TOOLS = "[[fail]]", "[[incomplete]]", "[[expire]]", "[[no-tools]]"


@dataclass(frozen=True, slots=True)
class Plan:
    outcome: str  # "reply" | "tools" | "fail" | "incomplete" | "expire"
    function_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, arguments as JSON text)


def plan_run(run: dict[str, Any], version: str, outputs_submitted: bool) -> Plan:
    instructions = run.get("instructions") or ""
    if FAIL in instructions:
        return Plan("fail")
    if INCOMPLETE in instructions:
        return Plan("incomplete" if version == "v2" else "fail")
    if EXPIRE in instructions:
        return Plan("expire")
    if outputs_submitted or NO_TOOLS in instructions:
        return Plan("reply")
    calls = _function_calls(run)
    return Plan("tools", calls) if calls else Plan("reply")


def _function_calls(run: dict[str, Any]) -> list[tuple[str, str]]:
    functions = [t["function"] for t in run.get("tools") or [] if t.get("type") == "function"]
    choice = run.get("tool_choice")
    if choice == "none":
        return []
    if isinstance(choice, dict):
        if choice.get("type") != "function":
            return []
        wanted = (choice.get("function") or {}).get("name")
        functions = [f for f in functions if f.get("name") == wanted]
    if run.get("parallel_tool_calls") is False:
        functions = functions[:1]
    return [(f["name"], example_arguments(f.get("parameters"))) for f in functions]


def example_arguments(parameters: Any) -> str:
    """Arguments a model might pick: a placeholder for every required parameter, as JSON text."""
    if not isinstance(parameters, dict):
        return "{}"
    properties = parameters.get("properties") or {}
    values: dict[str, Any] = {}
    for name in parameters.get("required") or []:
        kind = (properties.get(name) or {}).get("type")
        enum = (properties.get(name) or {}).get("enum")
        if enum:
            values[name] = enum[0]
        else:
            values[name] = {"string": "example", "integer": 1, "number": 1.5, "boolean": True, "array": []}.get(
                kind, None
            )
    return json.dumps(values)


def reply_text(messages: list[dict[str, Any]], tool_outputs: list[str]) -> str:
    """The assistant's answer: it echoes tool results, or the last thing the user said."""
    if tool_outputs:
        return "Here is what the tools returned: " + "; ".join(tool_outputs)
    for message in reversed(messages):
        if message["role"] == "user":
            said = " ".join(p["text"]["value"] for p in message["content"] if p["type"] == "text")
            return f"You said: {said[:200]}"
    return "Hello! How can I help?"


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: one token per word, at least one."""
    return max(1, len(text.split()))
