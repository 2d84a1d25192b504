"""Cut the store's internal objects to the shape of the version a request speaks.

Which keys an object has in a version is read from that version's contract document (the properties of
`AssistantObject`, `RunObject`, ...), so the server cannot drift from the contract: required keys are always
sent, optional ones only when they have a value. What differs in meaning between versions (v1 `retrieval` is
v2 `file_search`; v1 messages have no `image_url` or `refusal` parts) is translated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import ContractDocument

__all__ = ["Renderer"]

SCHEMAS = {
    "assistant": "AssistantObject",
    "thread": "ThreadObject",
    "thread.message": "MessageObject",
    "thread.run": "RunObject",
    "thread.run.step": "RunStepObject",
}
_V1_PARTS = {"text", "image_file"}


class Renderer:
    def __init__(self, document: ContractDocument) -> None:
        schemas = document.document["components"]["schemas"]
        self.version = document.version
        self._keys: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        for kind, name in SCHEMAS.items():
            schema = schemas[name]
            self._keys[kind] = (tuple(schema["properties"]), frozenset(schema.get("required", ())))
        # A function declared through v2 may carry keys v1 does not know (`strict`).
        self._function_keys = frozenset(schemas["FunctionObject"]["properties"])

    def __call__(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Render an object, a list page, or a deletion result; other payloads pass through."""
        if obj.get("object") == "list":
            return {**obj, "data": [self(item) for item in obj["data"]]}
        keys = self._keys.get(obj.get("object", ""))
        if keys is None:
            return dict(obj)
        properties, required = keys
        out = {k: obj.get(k) for k in properties if k in required or obj.get(k) is not None}
        if "tools" in out:
            out["tools"] = [self._tool(t) for t in out["tools"] or []]
        if isinstance(out.get("tool_choice"), dict):
            out["tool_choice"] = self._tool(out["tool_choice"])
        if self.version == "v1":
            self._to_v1(obj["object"], out)
        return out

    @staticmethod
    def _to_v1(kind: str, out: dict[str, Any]) -> None:
        """Values only v2 has, for objects made through v2 and read through v1."""
        if kind == "thread.message":
            out["content"] = [p for p in out["content"] if p.get("type") in _V1_PARTS]
        if kind == "thread.run":
            if out.get("status") == "incomplete":
                out["status"] = "failed"  # v1 runs cannot be incomplete; ending early is a failure there
            if out.get("tool_choice") == "required":
                out["tool_choice"] = "auto"
            if isinstance(out.get("response_format"), dict) and out["response_format"].get("type") == "json_schema":
                out["response_format"] = {"type": "json_object"}

    def _tool(self, tool: Mapping[str, Any]) -> dict[str, Any]:
        if self.version == "v1" and tool.get("type") == "file_search":
            return {"type": "retrieval"}
        if self.version == "v2" and tool.get("type") == "retrieval":
            return {"type": "file_search"}
        out = dict(tool)
        if isinstance(out.get("function"), Mapping):
            out["function"] = {k: v for k, v in out["function"].items() if k in self._function_keys}
        return out
