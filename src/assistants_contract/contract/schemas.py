"""Compiled JSON Schemas of one contract document, and readable errors from them.

Every schema the checks need (request bodies, response bodies, parameters, stream event payloads) is given a
key and compiled once, twice over:

- *closed*: the schema as the document writes it. The documents close every object they describe
  (`additionalProperties: false`), as the API refuses unknown request arguments;
- *open*: the same with every `additionalProperties: false` taken out. Requests are checked against the closed
  form; responses against the open form (the API grows), with the closed form telling which extra keys to warn
  about.

The happy path costs one `is_valid` call on the closed form. Only a failing instance pays for error collection,
and only then are union errors (`oneOf` / `anyOf`) narrowed to the branch the instance meant: the branch its
discriminator names, or the only branch of the right JSON type, so the pointer lands on the offending value
instead of on the whole union.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from .wording import describe

__all__ = ["SchemaError", "SchemaSet", "json_pointer"]

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
)
_UNION_KINDS = {"OneOfNotValid", "AnyOf"}
_UNKNOWN_KEY_KINDS = {"AdditionalProperties", "UnevaluatedProperties"}
_JSON_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def json_pointer(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """RFC 6901 pointer from path parts: `["data", 0, "a/b"]` -> `/data/0/a~1b`."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_ROOT_URI = "urn:assistants-contract:schemas"  # the name a registry gives the compiled root (`_registry`)


def _compiled(root: dict, name: str) -> Any:
    """The validator of entry `name` of `root`, with a copy of the whole root of its own: to say which entry does
    not compile (`SchemaSet._check_compiles`). Its errors' schema paths start at the root (`$defs/<name>/...`)
    where a location's own validator starts them at the location; `SchemaSet._refine` reads both the same."""
    return jsonschema_rs.validator_for({**root, "$ref": f"#/$defs/{name}"}, validate_formats=True)


def _registry(root: dict) -> Any:
    """The root held once, for the validators of its entries (`_entry_validator`) to share."""
    return jsonschema_rs.Registry([(_ROOT_URI, root)])


def _entry_validator(registry: Any, name: str) -> Any:
    """The validator of entry `name` of the root `registry` holds: its errors are those `_compiled` gives, schema
    paths and all. Compiled against the registry's one copy of the root, an entry costs a few KB and a fraction of
    a millisecond; with a copy of the root each (`_compiled`), the hundred or so entries a long cassette reaches
    held some 0.7 MB apiece, in every process of `lint --jobs`."""
    return jsonschema_rs.validator_for(
        {"$schema": _DRAFT, "$ref": f"{_ROOT_URI}#/$defs/{name}"}, registry=registry, validate_formats=True
    )


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema failure. `pointer` is into the instance; `schema_pointer` into the contract document."""

    pointer: str
    schema_pointer: str
    message: str
    unknown_key: bool = False
    key: str | None = None  # the unexpected key's name, when the error is exactly that


def _open_in_place(schema: Any) -> None:
    """Take `additionalProperties: false` out of every object schema, so that extra keys are allowed: the
    lenient reading that responses get."""
    if not isinstance(schema, dict):
        return
    if schema.get("additionalProperties") is False:
        del schema["additionalProperties"]
    for keyword in _SCHEMA_MAPS:
        sub = schema.get(keyword)
        if isinstance(sub, dict):
            for value in sub.values():
                _open_in_place(value)
    for keyword in _SCHEMA_LISTS:
        sub = schema.get(keyword)
        if isinstance(sub, list):
            for value in sub:
                _open_in_place(value)
    for keyword in _SCHEMA_VALUES:
        _open_in_place(schema.get(keyword))


class SchemaSet:
    """Open and closed validators for named schemas that share one document's `components/schemas`.

    `entries` maps a key chosen by the caller to `(schema, document_pointer)`: the schema (usually just a
    `$ref`) and where it stands in the document, used to report schema locations.
    """

    def __init__(self, schemas: Mapping[str, Any], entries: Mapping[str, tuple[Any, str]]) -> None:
        self._where = {key: pointer for key, (_, pointer) in entries.items()}
        # Internal names keep the compiled root's pointers free of characters that need escaping.
        self._names = {key: f"s{i}" for i, key in enumerate(entries)}
        self._keys = {name: key for key, name in self._names.items()}
        self._root = {
            "$schema": _DRAFT,
            "components": {"schemas": dict(schemas)},
            "$defs": {self._names[key]: schema for key, (schema, _) in entries.items()},
        }
        # Each entry's validators are compiled on first use, against one registry of the root per form (see
        # `_entry_validator`), not all at load: compiling every entry apart, twice over, with a copy of the root
        # each, was most of the time to load a contract. What is found at load stays the same:
        # `_check_compiles` compiles all the entries at once, as one validator, which costs a tenth as much.
        self._check_compiles()
        self._closed_by_key: dict[str, Any] = {}
        self._closed_registry: Any = None  # made on first need, as the validators are
        self._open_root: dict | None = None  # made on first need: only a body that fails the closed form needs it
        self._open_registry: Any = None
        self._open_by_key: dict[str, Any] = {}

    def _check_compiles(self) -> None:
        """Raise ValueError naming the first entry that does not compile (a dangling `$ref`, a schema that
        breaks the meta-schema)."""
        every = [{"$ref": f"#/$defs/{name}"} for name in self._names.values()]
        try:
            jsonschema_rs.validator_for({**self._root, "anyOf": every}, validate_formats=True)
        except (ValueError, jsonschema_rs.ReferencingError) as e:
            for key in self._names:  # compile each alone to learn which
                try:
                    _compiled(self._root, self._names[key])
                except (ValueError, jsonschema_rs.ReferencingError) as alone:
                    raise ValueError(f"{self._where[key]}: {_first_line(alone)}") from alone
            raise ValueError(_first_line(e)) from e

    def _closed(self, key: str) -> Any:
        if self._closed_registry is None:
            self._closed_registry = _registry(self._root)
        validator = self._closed_by_key[key] = _entry_validator(self._closed_registry, self._names[key])
        return validator

    def _open(self, key: str) -> Any:
        validator = self._open_by_key.get(key)
        if validator is None:
            if self._open_root is None:
                root = copy.deepcopy(self._root)
                for schema in [*root["components"]["schemas"].values(), *root["$defs"].values()]:
                    _open_in_place(schema)
                self._open_root = root
                self._open_registry = _registry(root)
            validator = self._open_by_key[key] = _entry_validator(self._open_registry, self._names[key])
        return validator

    def node(self, key: str) -> Any:
        """The schema registered under `key`, with a top-level `$ref` followed."""
        return self._resolve_refs(self._root["$defs"][self._names[key]])

    def check(self, key: str, instance: Any, *, closed: bool) -> list[SchemaError]:
        """Errors of `instance` against schema `key`. With `closed=False`, unknown keys are still reported,
        flagged `unknown_key=True`, so a caller can downgrade them; other errors then come from the open form.
        """
        strict = self._closed_by_key.get(key)
        if strict is None:
            strict = self._closed(key)
        if strict.is_valid(instance):
            return []
        if closed:
            return list(self._errors(strict, key, instance))
        loose = self._open(key)
        if loose.is_valid(instance):
            # Only unknown keys separate the two forms here, whatever kind the strict errors claim to be.
            return [_as_unknown(e) for e in self._errors(strict, key, instance)]
        schema_errors = list(self._errors(loose, key, instance))
        unknown = [e for e in self._errors(strict, key, instance) if e.unknown_key]
        return schema_errors + unknown

    def _errors(self, validator: Any, key: str, instance: Any) -> Iterator[SchemaError]:
        prefix = ["$defs", self._names[key]]
        for error in validator.iter_errors(instance):
            yield from self._refine(error, prefix, depth=0)

    def _refine(self, error: Any, prefix: list[str], depth: int) -> Iterator[SchemaError]:
        schema_path = list(error.schema_path)
        if not schema_path or schema_path[0] not in ("components", "$defs"):
            schema_path = prefix + schema_path
        kind = type(error.kind).__name__
        if kind in _UNION_KINDS and depth < 16:
            union = self._node_at(schema_path[:-1])
            branch, unknown_tag = self._pick_branch(union, error.instance)
            if unknown_tag is not None:
                yield unknown_tag(error, schema_path)
                return
            if branch is not None:
                for sub in error.kind.context[branch]:
                    yield from self._refine(sub, prefix, depth + 1)
                return
        pointer = json_pointer(list(error.instance_path))
        schema_pointer = self._document_pointer(schema_path)
        if kind in _UNKNOWN_KEY_KINDS:
            for name in error.kind.unexpected:
                yield SchemaError(
                    pointer=f"{pointer}/{json_pointer([name])[1:]}",
                    schema_pointer=schema_pointer,
                    message=f"unknown key '{name}'",
                    unknown_key=True,
                    key=name,
                )
            return
        yield SchemaError(pointer, schema_pointer, describe(error, self._parent(kind, schema_path), self._resolve_refs))

    def _document_pointer(self, schema_path: list[Any]) -> str:
        """Where a compiled-root location stands in the contract document."""
        if len(schema_path) >= 2 and schema_path[0] == "$defs":
            return self._where[self._keys[schema_path[1]]] + json_pointer(schema_path[2:])
        return json_pointer(schema_path)

    def _parent(self, kind: str, schema_path: list[Any]) -> Any:
        """The schema object holding a failed union keyword, so the words can name its alternatives."""
        if kind not in _UNION_KINDS and kind != "OneOfMultipleValid":
            return None
        try:
            return self._node_at(schema_path[:-1])
        except (KeyError, IndexError, TypeError):
            return None

    def _node_at(self, path: list[str | int]) -> Any:
        node: Any = self._root
        for part in path:
            node = node[part]
        return node

    def _resolve_refs(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                break
            schema = self._node_at([_unescape(p) for p in ref[2:].split("/")])
            seen += 1
        return schema

    def _pick_branch(self, union: Any, instance: Any) -> tuple[int | None, Any]:
        """Which branch of a failed union the instance was aiming at, if that can be told."""
        branches = union.get("oneOf") or union.get("anyOf") or []
        resolved = [self._resolve_refs(b) for b in branches]
        discriminator = union.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(instance, dict):
            prop = discriminator.get("propertyName")
            tag = instance.get(prop)
            tags = [_const_of(b, prop) for b in resolved]
            if tag in tags:
                return tags.index(tag), None
            known = ", ".join(repr(t) for t in tags if t is not None)

            def unknown_tag(error: Any, schema_path: list[Any]) -> SchemaError:
                where = json_pointer(list(error.instance_path) + [prop])
                said = f"missing '{prop}'" if tag is None else f"unknown {prop} {tag!r}"
                return SchemaError(
                    pointer=where,
                    schema_pointer=self._document_pointer(schema_path[:-1] + ["discriminator"]),
                    message=f"{said}; expected one of {known}",
                )

            return None, unknown_tag
        fitting = [i for i, b in enumerate(resolved) if _type_fits(b, instance)]
        if len(fitting) > 1 and isinstance(instance, dict):
            # Several object branches: the one whose required keys are all present is the one meant.
            fitting = [i for i in fitting if set(_required_of(resolved[i])) <= instance.keys()]
        if len(fitting) == 1:
            return fitting[0], None
        return None, None


def _const_of(schema: Any, prop: str) -> Any:
    if not isinstance(schema, dict):
        return None
    spec = schema.get("properties", {}).get(prop)
    if not isinstance(spec, dict):
        return None
    if "const" in spec:
        return spec["const"]
    enum = spec.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    return None


def _required_of(schema: Any) -> list[str]:
    return schema.get("required", []) if isinstance(schema, dict) else []


def _type_fits(schema: Any, instance: Any) -> bool:
    if not isinstance(schema, dict):
        return True
    declared = schema.get("type")
    if declared is None:
        if "const" in schema:
            return schema["const"] == instance
        return True
    names = declared if isinstance(declared, list) else [declared]
    return any(_JSON_TYPES.get(name, lambda v: True)(instance) for name in names)


def _as_unknown(error: SchemaError) -> SchemaError:
    if error.unknown_key:
        return error
    # Valid when open, invalid when closed, yet not an "unexpected key" error: a union whose branches cannot be
    # told apart. Report it where it is, as an unknown-key finding with the validator's own words.
    return SchemaError(error.pointer, error.schema_pointer, error.message, unknown_key=True)


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
