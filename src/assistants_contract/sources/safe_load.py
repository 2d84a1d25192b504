"""YAML and JSON documents loaded within `limits`: no Python object built from a YAML tag, aliases on a budget,
nesting bounded. Errors are `UnusableFile`, never a crash or a runaway.

vcrpy's own YAML loader still builds a `BytesIO` or an iterator from `!!python/object/...` tags; this one is a
safe loader that also reads the `!!python/str` and `!!python/unicode` tags old vcrpy versions wrote, as the
strings they are. Aliases are counted on the composed graph before anything is constructed, so a file that
expands to billions of nodes is refused after looking at its few hundred.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

from .errors import ALIASES, NOT_JSON, NOT_YAML, TOO_DEEP, YAML_TAG, UnusableFile
from .limits import MAX_ALIAS_NODES, MAX_ALIASES, MAX_NESTING

__all__ = ["check_nesting", "load_json", "load_yaml"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PYTHON_TAG = "tag:yaml.org,2002:python/"
_STRING_TAGS = (_PYTHON_TAG + "str", _PYTHON_TAG + "unicode")


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, and strings for the two string tags of old vcrpy cassettes."""


for _tag in _STRING_TAGS:
    _Loader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))


def load_yaml(text: str, source: str) -> Any:
    """The one YAML document in `text`. Raises `UnusableFile`: not YAML (`NOT_YAML`), a tag a safe loader does
    not construct (`YAML_TAG`), aliases past the budget (`ALIASES`), too deep (`TOO_DEEP`)."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as e:
            raise UnusableFile(source, NOT_YAML, f"not a vcrpy cassette: not YAML: {_first_line(e)}") from e
        if node is None:
            return None
        _check_graph(node, source)
        try:
            return loader.construct_document(node)
        except yaml.constructor.ConstructorError as e:
            code = YAML_TAG if "could not determine a constructor" in str(e) else NOT_YAML  # else a bad !!binary
            raise UnusableFile(source, code, f"not a vcrpy cassette: {_first_line(e)}") from e
        except (yaml.YAMLError, ValueError, TypeError) as e:  # e.g. a bad !!binary or timestamp
            raise UnusableFile(source, NOT_YAML, f"not a vcrpy cassette: {_first_line(e)}") from e
    finally:
        loader.dispose()


def load_json(text: str, source: str) -> Any:
    """The JSON value of `text`, as `json.loads` reads it. Raises `UnusableFile` (`NOT_JSON`, `TOO_DEEP`)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise UnusableFile(source, TOO_DEEP, f"nested deeper than {MAX_NESTING} levels") from None
    except ValueError as e:
        raise UnusableFile(source, NOT_JSON, f"not valid JSON: {e}") from e
    check_nesting(value, source)
    return value


def check_nesting(value: Any, source: str) -> None:
    """Raise `UnusableFile` (`TOO_DEEP`) when lists and mappings nest more than `MAX_NESTING` levels."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if type(item) is dict:
            children: Any = item.values()
        elif type(item) is list:
            children = item
        else:
            continue
        if depth > MAX_NESTING:
            raise UnusableFile(source, TOO_DEEP, f"nested deeper than {MAX_NESTING} levels")
        pending.extend((child, depth + 1) for child in children if type(child) is dict or type(child) is list)


def _check_graph(root: yaml.Node, source: str) -> None:
    """Walk the composed nodes once, depth first (a node reached again is an alias): refuse Python tags, a node
    inside itself, more than `MAX_ALIASES` aliases or `MAX_ALIAS_NODES` nodes they stand for, and nesting past
    `MAX_NESTING`."""
    size: dict[int, int] = {}  # of each finished node: its nodes with aliases expanded
    open_nodes: set[int] = set()  # on the current path
    aliases = extra = 0
    _check_tag(root, source)
    open_nodes.add(id(root))
    path: list[tuple[yaml.Node, Iterator[yaml.Node], list[int]]] = [(root, iter(_children(root)), [1])]
    while path:
        node, children, total = path[-1]
        child = next(children, None)
        if child is None:
            path.pop()
            open_nodes.discard(id(node))
            size[id(node)] = total[0]
            if path:
                path[-1][2][0] += total[0]
            continue
        key = id(child)
        if key in open_nodes:
            raise UnusableFile(source, ALIASES, "a YAML alias refers to a node that holds it")
        if key in size:
            aliases += 1
            extra += size[key]
            total[0] += size[key]
            if aliases > MAX_ALIASES or extra > MAX_ALIAS_NODES:
                raise UnusableFile(
                    source,
                    ALIASES,
                    f"YAML aliases past the budget ({MAX_ALIASES} aliases standing for {MAX_ALIAS_NODES:,} nodes):"
                    " an alias bomb?",
                )
            continue
        _check_tag(child, source)
        if isinstance(child, yaml.ScalarNode):
            size[key] = 1
            total[0] += 1
            continue
        if len(path) >= MAX_NESTING:
            raise UnusableFile(source, TOO_DEEP, f"nested deeper than {MAX_NESTING} levels")
        open_nodes.add(key)
        path.append((child, iter(_children(child)), [1]))


def _check_tag(node: yaml.Node, source: str) -> None:
    tag = node.tag
    if tag.startswith(_PYTHON_TAG) and tag not in _STRING_TAGS:
        shown = "!!" + tag.removeprefix("tag:yaml.org,2002:")
        raise UnusableFile(source, YAML_TAG, f"the YAML tag {shown} builds a Python object; it is not read")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
