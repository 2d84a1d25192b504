"""Load one contract document (OpenAPI 3.1 YAML) into an indexed, compiled form.

Everything the checks need is worked out here, once: the operations with their parameters, bodies and
responses, the router, the compiled schemas, and the payload schema of every stream event name. Checking an
exchange afterwards does no I/O and no lookups by walking the document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from .._exceptions import ContractError
from .routing import Router
from .schemas import SchemaSet, json_pointer

__all__ = ["ContractDocument", "Operation", "Parameter", "bundled_contract_path"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
STREAM_MEDIA_TYPE = "text/event-stream"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def bundled_contract_path(version: str) -> Path:
    """Path of the contract document shipped with the package for `version` (`v1` or `v2`)."""
    # Beside this module, not through importlib.resources: the package is always installed as files (the
    # documents are read with Path), and importlib.resources would import tempfile and zipfile at every start.
    return Path(__file__).parent.parent / "contracts" / f"assistants-{version}.yaml"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # "path" | "query" | "header"
    required: bool
    schema_key: str
    json_type: str | None  # the declared type the raw string is converted to before validation
    item_type: str | None = None  # for arrays: the items' type


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_required: bool
    body_schemas: Mapping[str, str]  # media type -> schema key
    responses: Mapping[str, Mapping[str, str | None]]  # status ("200", "4XX", "default") -> media type -> key
    response_headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # status -> required names

    def documented_statuses(self) -> tuple[str, ...]:
        return tuple(self.responses)

    def response_media(self, status: int) -> Mapping[str, str | None] | None:
        """Media types documented for `status`: exact code first, then `4XX`-style ranges, then `default`."""
        exact = self.responses.get(str(status))
        if exact is not None:
            return exact
        ranged = self.responses.get(f"{status // 100}XX")
        if ranged is not None:
            return ranged
        return self.responses.get("default")


class ContractDocument:
    """One compiled contract document: a version of the API."""

    def __init__(self, source: str, document: Mapping[str, Any], *, prefixes: tuple[str, ...] = ("/v1",)) -> None:
        self.source = source
        self.prefixes = prefixes
        self.name = Path(source).name
        if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
            raise ContractError(f"{source}: not an OpenAPI document (no 'paths' mapping at the top)")
        self.beta_header = _beta_value(source, document)
        self.version = self.beta_header.split("=", 1)[1]
        self._document = document
        self._components = document.get("components") or {}
        entries: dict[str, tuple[Any, str]] = {}
        self.operations: dict[str, Operation] = {}
        routes: list[tuple[str, dict[str, str]]] = []
        for path, item in document["paths"].items():
            if not isinstance(item, Mapping):
                raise ContractError(f"{source}: path item {path!r} is not a mapping")
            methods: dict[str, str] = {}
            for method in _METHODS:
                if method in item:
                    operation = self._operation(path, method, item, entries)
                    if operation.operation_id in self.operations:
                        raise ContractError(f"{source}: operationId {operation.operation_id!r} is used twice")
                    self.operations[operation.operation_id] = operation
                    methods[method] = operation.operation_id
            routes.append((path, methods))
        self.stream_events = self._stream_events(entries)
        self.router = Router(routes, prefixes)
        schemas = self._components.get("schemas") or {}
        try:
            self.schemas = SchemaSet(schemas, entries)
        except ValueError as e:
            raise ContractError(f"{source}: a schema does not compile: {e}") from e
        self.raw_string_events = frozenset(
            name for name, key in self.stream_events.items() if _is_string_schema(self.schemas.node(key))
        )

    @classmethod
    def from_path(cls, path: str | Path, *, prefixes: tuple[str, ...] = ("/v1",)) -> ContractDocument:
        """The document in the YAML file at `path`, read from its parsed copy when one made from these very
        bytes lies beside it (parsed_copy.py makes them): the bundled documents have one."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ContractError(f"{path}: cannot read the contract: {e.strerror or e}") from e
        document = _read_parsed_copy(path, data)
        if document is None:
            document = parse_yaml(path, data)
        return cls(str(path), document, prefixes=prefixes)

    @property
    def document(self) -> Mapping[str, Any]:
        """The document as loaded (read-only by convention)."""
        return self._document

    def location(self, pointer: str) -> str:
        """A schema location for reports: `assistants-v2.yaml#/components/schemas/RunObject`."""
        return f"{self.name}{pointer}"

    def _resolve(self, node: Any, where: str) -> tuple[Any, str]:
        """Follow a local `$ref` (parameters, request bodies, responses); return the target and its pointer."""
        pointer = where
        for _ in range(16):
            if not (isinstance(node, Mapping) and "$ref" in node):
                return node, pointer
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise ContractError(f"{self.source}: only local $refs are supported, found {ref!r} at {where}")
            target: Any = self._document
            try:
                for part in ref[2:].split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
            except (KeyError, TypeError):
                raise ContractError(f"{self.source}: $ref {ref!r} at {where} points nowhere") from None
            node, pointer = target, ref[1:]
        raise ContractError(f"{self.source}: $ref loop at {where}")

    def _operation(self, path: str, method: str, item: Mapping[str, Any], entries: dict) -> Operation:
        op = item[method]
        where = json_pointer(["paths", path, method])
        operation_id = op.get("operationId")
        if not operation_id:
            raise ContractError(f"{self.source}: {method.upper()} {path} has no operationId")
        declared: dict[tuple[str, str], tuple[Any, str]] = {}
        for source_node, base in ((item, json_pointer(["paths", path])), (op, where)):
            for i, raw in enumerate(source_node.get("parameters") or []):
                param, pointer = self._resolve(raw, f"{base}/parameters/{i}")
                declared[(param["in"], param["name"].lower() if param["in"] == "header" else param["name"])] = (
                    param,
                    pointer,
                )
        parameters = []
        for (location, name), (param, pointer) in declared.items():
            key = f"{operation_id}.{location}.{name}"
            schema = param.get("schema") or {}
            entries[key] = (schema, f"{pointer}/schema")
            resolved_schema, _ = self._resolve(schema, f"{pointer}/schema")
            item_schema, _ = self._resolve(resolved_schema.get("items") or {}, f"{pointer}/schema/items")
            parameters.append(
                Parameter(
                    name=name,
                    location=location,
                    required=bool(param.get("required")) or location == "path",
                    schema_key=key,
                    json_type=_first_type(resolved_schema),
                    item_type=_first_type(item_schema),
                )
            )
        body_schemas: dict[str, str] = {}
        body_required = False
        if "requestBody" in op:
            body, pointer = self._resolve(op["requestBody"], f"{where}/requestBody")
            body_required = bool(body.get("required"))
            for media, content in (body.get("content") or {}).items():
                key = f"{operation_id}.request.{media}"
                entries[key] = (
                    content.get("schema") or {},
                    json_pointer([*_split(pointer), "content", media, "schema"]),
                )
                body_schemas[media.lower()] = key
        responses: dict[str, dict[str, str | None]] = {}
        response_headers: dict[str, tuple[str, ...]] = {}
        for status, raw in (op.get("responses") or {}).items():
            response, pointer = self._resolve(raw, json_pointer([*_split(where), "responses", str(status)]))
            media_types: dict[str, str | None] = {}
            for media, content in (response.get("content") or {}).items():
                if media.lower() == STREAM_MEDIA_TYPE or not content.get("schema"):
                    media_types[media.lower()] = None  # stream payloads are checked event by event
                    continue
                key = f"{operation_id}.response.{status}.{media}"
                entries[key] = (content["schema"], json_pointer([*_split(pointer), "content", media, "schema"]))
                media_types[media.lower()] = key
            responses[str(status).upper()] = media_types
            required_headers = []
            for name, raw_header in (response.get("headers") or {}).items():
                header, _ = self._resolve(raw_header, f"{pointer}/headers/{name}")
                if header.get("required"):
                    required_headers.append(name.lower())
            if required_headers:
                response_headers[str(status)] = tuple(required_headers)
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            parameters=tuple(parameters),
            body_required=body_required,
            body_schemas=body_schemas,
            responses=responses,
            response_headers=response_headers,
        )

    def _stream_events(self, entries: dict) -> dict[str, str]:
        """Event name -> schema key of its `data`, read from `AssistantStreamEvent`'s branches."""
        union = (self._components.get("schemas") or {}).get("AssistantStreamEvent")
        if union is None:
            return {}
        events: dict[str, str] = {}
        for i, branch in enumerate(union.get("oneOf") or []):
            schema, pointer = self._resolve(branch, f"/components/schemas/AssistantStreamEvent/oneOf/{i}")
            props = schema.get("properties") or {}
            name = (props.get("event") or {}).get("const")
            if not isinstance(name, str) or "data" not in props:
                raise ContractError(
                    f"{self.source}: stream event schema at {pointer} needs properties 'event' (a const) and 'data'"
                )
            key = f"event.{name}"
            entries[key] = ({"$ref": f"#{pointer}/properties/data"}, f"{pointer}/properties/data")
            events[name] = key
        return events


def parsed_copy_path(yaml_path: Path) -> Path:
    """Where the parsed copy of a YAML document lies: `assistants-v2.yaml` -> `assistants-v2.parsed.json`."""
    return yaml_path.with_name(yaml_path.stem + ".parsed.json")


def yaml_digest(data: bytes) -> str:
    """What a parsed copy records of the YAML bytes it was made from."""
    return hashlib.sha256(data).hexdigest()


def _read_parsed_copy(yaml_path: Path, yaml_bytes: bytes) -> Any | None:
    """The document in the parsed copy beside `yaml_path` if it was made from exactly `yaml_bytes`; else None
    (no copy, an unreadable one, or one made before the YAML was last edited)."""
    try:
        copy = orjson.loads(parsed_copy_path(yaml_path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(copy, dict) or copy.get("yaml_sha256") != yaml_digest(yaml_bytes):
        return None
    return copy.get("document")


def parse_yaml(path: Path, data: bytes) -> Any:
    """The YAML document in `data`, read from `path`. Raises ContractError naming the file."""
    try:
        return yaml.load(data.decode("utf-8"), Loader=_YAML_LOADER)
    except UnicodeDecodeError as e:
        raise ContractError(f"{path}: not UTF-8 text: {e}") from e
    except yaml.YAMLError as e:
        raise ContractError(f"{path}: not valid YAML: {e}") from e


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")] if pointer else []


def _first_type(schema: Any) -> str | None:
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    return declared if isinstance(declared, str) else None


def _is_string_schema(schema: Any) -> bool:
    return isinstance(schema, Mapping) and _first_type(schema) == "string"


def _beta_value(source: str, document: Mapping[str, Any]) -> str:
    value = (document.get("info") or {}).get("x-openai-beta")
    if not isinstance(value, str) or not value.startswith("assistants="):
        raise ContractError(
            f"{source}: info.x-openai-beta must name the header value the document describes, e.g. 'assistants=v2'"
        )
    return value
