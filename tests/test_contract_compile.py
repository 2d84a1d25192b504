"""A contract's validators are compiled an entry at a time on first use, not all at load: the errors they report
are the ones the whole-document compile (`jsonschema_rs.validator_map_for`) reported, pointers and all."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema_rs
import pytest

from assistants_contract import Contract
from assistants_contract.contract import schemas

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"


def _bodies() -> list[object]:
    """Wrong-shaped values, and a few of the bundled cassettes' JSON bodies with every text made a number."""
    found: list[object] = [{}, [], 1, "x", None, {"unknown": 1}, {"id": 5, "object": 3, "data": [{"x": 1}]}]
    for path in sorted(CASSETTES.rglob("*.yaml"))[:2]:
        for line in path.read_text().splitlines():
            if not line.startswith("- {"):
                continue
            record = json.loads(line[2:])
            for text in (record["request"]["body"], record["response"]["body"]["string"]):
                try:
                    body = json.loads(text)
                except (TypeError, ValueError):
                    continue
                if isinstance(body, dict) and len(found) < 12:
                    found.append({k: 7 if isinstance(v, str) else "seven" for k, v in body.items()})
    return found


BODIES = _bodies()


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_each_entry_compiled_alone_reports_as_the_whole_document_did(contract: Contract, version: str) -> None:
    found = contract.documents[version].schemas
    opened = copy.deepcopy(found._root)
    for schema in [*opened["components"]["schemas"].values(), *opened["$defs"].values()]:
        schemas._open_in_place(schema)
    whole = {
        "closed": jsonschema_rs.validator_map_for(found._root, validate_formats=True),
        "open": jsonschema_rs.validator_map_for(opened, validate_formats=True),
    }
    compared = 0
    for key, name in found._names.items():
        for form, alone in (("closed", found._closed(key)), ("open", found._open(key))):
            before = whole[form][f"#/$defs/{name}"]
            for body in BODIES:
                assert alone.is_valid(body) == before.is_valid(body)
                assert list(found._errors(alone, key, body)) == list(found._errors(before, key, body)), (key, form)
                compared += 1
    assert compared > 1000


def test_nothing_is_compiled_until_a_body_is_checked() -> None:
    fresh = Contract.load()
    found = fresh.documents["v2"].schemas
    assert found._closed_by_key == {} and found._open_by_key == {}
    key = "createThread.request.application/json"
    assert found.check(key, {"messages": 5}, closed=True)
    assert list(found._closed_by_key) == [key] and found._open_by_key == {}  # the open form: only when needed
    assert found.check(key, {"messages": 5}, closed=False)
    assert list(found._open_by_key) == [key]
