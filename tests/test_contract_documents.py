"""The contract documents themselves: valid OpenAPI, the seeds' operation tables, and our conventions; and the
parsed copies that are loaded in their place while they match them."""

import json
import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from assistants_contract import Contract
from assistants_contract.contract import document
from assistants_contract.contract.document import ContractDocument, bundled_contract_path, parsed_copy_path, yaml_digest
from assistants_contract.contract.parsed_copy import COMMAND, write_copy

V2_OPERATIONS = {
    ("GET", "/assistants", "listAssistants"),
    ("POST", "/assistants", "createAssistant"),
    ("GET", "/assistants/{assistant_id}", "getAssistant"),
    ("POST", "/assistants/{assistant_id}", "modifyAssistant"),
    ("DELETE", "/assistants/{assistant_id}", "deleteAssistant"),
    ("POST", "/threads", "createThread"),
    ("GET", "/threads/{thread_id}", "getThread"),
    ("POST", "/threads/{thread_id}", "modifyThread"),
    ("DELETE", "/threads/{thread_id}", "deleteThread"),
    ("GET", "/threads/{thread_id}/messages", "listMessages"),
    ("POST", "/threads/{thread_id}/messages", "createMessage"),
    ("GET", "/threads/{thread_id}/messages/{message_id}", "getMessage"),
    ("POST", "/threads/{thread_id}/messages/{message_id}", "modifyMessage"),
    ("DELETE", "/threads/{thread_id}/messages/{message_id}", "deleteMessage"),
    ("POST", "/threads/runs", "createThreadAndRun"),
    ("GET", "/threads/{thread_id}/runs", "listRuns"),
    ("POST", "/threads/{thread_id}/runs", "createRun"),
    ("GET", "/threads/{thread_id}/runs/{run_id}", "getRun"),
    ("POST", "/threads/{thread_id}/runs/{run_id}", "modifyRun"),
    ("POST", "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", "submitToolOuputsToRun"),
    ("POST", "/threads/{thread_id}/runs/{run_id}/cancel", "cancelRun"),
    ("GET", "/threads/{thread_id}/runs/{run_id}/steps", "listRunSteps"),
    ("GET", "/threads/{thread_id}/runs/{run_id}/steps/{step_id}", "getRunStep"),
}
V1_OPERATIONS = (V2_OPERATIONS - {("DELETE", "/threads/{thread_id}/messages/{message_id}", "deleteMessage")}) | {
    ("GET", "/assistants/{assistant_id}/files", "listAssistantFiles"),
    ("POST", "/assistants/{assistant_id}/files", "createAssistantFile"),
    ("GET", "/assistants/{assistant_id}/files/{file_id}", "getAssistantFile"),
    ("DELETE", "/assistants/{assistant_id}/files/{file_id}", "deleteAssistantFile"),
    ("GET", "/threads/{thread_id}/messages/{message_id}/files", "listMessageFiles"),
    ("GET", "/threads/{thread_id}/messages/{message_id}/files/{file_id}", "getMessageFile"),
}
EXPECTED = {"v1": V1_OPERATIONS, "v2": V2_OPERATIONS}
STREAMING = {"createRun", "createThreadAndRun", "submitToolOuputsToRun"}
METHODS = ("get", "post", "delete", "put", "patch")


@pytest.fixture(scope="module", params=["v1", "v2"])
def doc(request):
    with open(bundled_contract_path(request.param), encoding="utf-8") as f:
        return request.param, yaml.safe_load(f)


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item, item[method]


def resolve(document, node):
    while "$ref" in node:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_is_valid_openapi_3_1(doc):
    _, document = doc
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_operation_table_equals_the_seeds(doc):
    version, document = doc
    found = {(method.upper(), path, op["operationId"]) for path, method, _, op in operations(document)}
    assert found == EXPECTED[version]
    assert len(found) == {"v1": 28, "v2": 23}[version]


def test_declares_its_beta_header_on_every_operation(doc):
    version, document = doc
    assert document["info"]["x-openai-beta"] == f"assistants={version}"
    for path, method, item, op in operations(document):
        params = [resolve(document, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        beta = [p for p in params if p["in"] == "header" and p["name"] == "OpenAI-Beta"]
        assert len(beta) == 1 and beta[0]["required"], f"{method} {path}"
        assert beta[0]["schema"]["enum"] == [f"assistants={version}"]
    assert document["security"] == [{"ApiKeyAuth": []}]
    scheme = document["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_documents_error_responses_with_the_error_body(doc):
    _, document = doc
    for path, method, _, op in operations(document):
        statuses = set(op["responses"])
        expected = {"200", "400", "401", "429", "500"}
        if "{" in path or op["operationId"] == "createThreadAndRun":
            expected.add("404")
        assert statuses == expected, f"{method} {path}"
        for status in expected - {"200"}:
            response = resolve(document, op["responses"][status])
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


def test_streaming_operations_document_an_event_stream(doc):
    _, document = doc
    for _, _, _, op in operations(document):
        content = op["responses"]["200"]["content"]
        if op["operationId"] in STREAMING:
            assert content["text/event-stream"]["schema"] == {"$ref": "#/components/schemas/AssistantStreamEvent"}
        else:
            assert set(content) == {"application/json"}
    union = document["components"]["schemas"]["AssistantStreamEvent"]
    assert union["discriminator"]["propertyName"] == "event"
    names = set(union["discriminator"]["mapping"])
    assert {
        "thread.created",
        "thread.run.created",
        "thread.message.delta",
        "thread.run.step.delta",
        "error",
        "done",
    } <= names


def test_request_bodies_are_closed(doc):
    _, document = doc
    for path, method, _, op in operations(document):
        if "requestBody" not in op:
            continue
        schema = resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
        assert schema.get("additionalProperties") is False, f"{method} {path}"
        assert op["requestBody"]["required"] is (op["operationId"] != "createThread")


def test_create_operations_link_to_what_uses_the_new_id(doc):
    _, document = doc
    ids = {op["operationId"] for _, _, _, op in operations(document)}
    for _, _, _, op in operations(document):
        if not op["operationId"].startswith("create"):
            continue
        links = op["responses"]["200"].get("links") or {}
        assert links, op["operationId"]
        for link in links.values():
            assert link["operationId"] in ids


def test_spec_fixes_are_marked(doc):
    _, document = doc
    text = yaml.safe_dump(document)
    assert text.count("x-spec-fix") >= 15
    schemas = document["components"]["schemas"]
    for name in ("CreateRunRequest", "CreateThreadAndRunRequest"):
        assert schemas[name]["required"] == ["assistant_id"]


def test_no_published_spec_markers_or_nullable_keyword(doc):
    version, _ = doc
    raw = bundled_contract_path(version).read_text(encoding="utf-8")
    assert not re.search(r"x-oai(Meta|TypeLabel|Expandable)", raw)
    assert not re.search(r"^\s*nullable:", raw, re.M)


def _object_schemas(node, where=""):
    """Every schema object with `properties`, anywhere in the document, with its location."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict) and not where.endswith("/properties"):
            yield where, node
        for key, value in node.items():
            yield from _object_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _object_schemas(value, f"{where}/{i}")


def test_every_object_says_whether_it_takes_other_keys(doc):
    # Tools that read the document (schemathesis above all) see the same closed shapes the core enforces.
    _, document = doc
    open_ones = [where for where, schema in _object_schemas(document) if "additionalProperties" not in schema]
    assert open_ones == []


ID_PREFIXES = {
    "assistant_id": "^asst_",
    "thread_id": "^thread_",
    "message_id": "^msg_",
    "run_id": "^run_",
    "step_id": "^step_",
    "file_id": "^file-",
}


def test_every_id_in_a_path_declares_its_prefix(doc):
    _, document = doc
    for path, item in document["paths"].items():
        for param in item.get("parameters", []):
            assert param["in"] == "path"
            assert param["schema"].get("pattern") == ID_PREFIXES[param["name"]], (path, param["name"])


def _body_file_ids(node, where=""):
    """Every schema of a `file_id` field or of the items of a `file_ids` list, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "file_id" and isinstance(value, dict) and value.get("type") == "string":
                yield f"{where}/{key}", value
            elif key == "file_ids" and isinstance(value, dict) and "items" in value:
                yield f"{where}/{key}/items", value["items"]
            yield from _body_file_ids(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _body_file_ids(value, f"{where}/{index}")


def test_file_ids_a_client_names_in_v1_bodies_are_url_safe():
    # v1 assistant and message files are named by the client and come back as path segments. An id with `%` in
    # it cannot make that trip through tools that take `%xx` for an escape (schemathesis quotes path values
    # only after unquoting them), and the API's own ids are letters and digits after `file-`.
    document = yaml.safe_load(bundled_contract_path("v1").read_text())
    requests = document["components"]["schemas"]
    named = {
        where: schema.get("pattern")
        for name in (
            "CreateAssistantRequest",
            "ModifyAssistantRequest",
            "CreateAssistantFileRequest",
            "CreateMessageRequest",
        )
        for where, schema in _body_file_ids(requests[name], name)
    }
    assert len(named) == 4 and set(named.values()) == {"^file-[A-Za-z0-9_-]+$"}, named
    assert re.search(named["CreateAssistantFileRequest/properties/file_id"], "file-abc123")
    assert not re.search(named["CreateAssistantFileRequest/properties/file_id"], "file-%26%19")


# --- the parsed copies: each bundled document as JSON beside its YAML, which every start loads instead ----------


def test_each_parsed_copy_is_the_current_yaml_as_json(doc):
    version, from_yaml = doc
    path = bundled_contract_path(version)
    copy = json.loads(parsed_copy_path(path).read_text(encoding="utf-8"))
    assert copy["yaml_sha256"] == yaml_digest(path.read_bytes()), f"stale: run `{COMMAND}` after editing {path.name}"
    # The same keys in the same order and the same types: the copy is the document, not a lookalike.
    assert json.dumps(copy["document"]) == json.dumps(from_yaml)


def test_loading_the_bundled_contract_parses_no_yaml(monkeypatch, doc):
    version, from_yaml = doc

    def refuse(path, data):
        raise AssertionError(f"parsed {path} as YAML: its parsed copy was not used")

    monkeypatch.setattr(document, "parse_yaml", refuse)
    loaded = Contract.load().documents[version]
    assert loaded.document == from_yaml
    assert loaded.source == str(bundled_contract_path(version))  # reports still name the YAML


def _contract_with_copy(tmp_path: Path) -> Path:
    path = tmp_path / "assistants-v2.yaml"
    path.write_bytes(bundled_contract_path("v2").read_bytes())
    data = path.read_bytes()
    write_copy(path, data, document.parse_yaml(path, data))
    return path


def test_a_copy_made_from_other_bytes_is_ignored_and_the_yaml_read(tmp_path):
    path = _contract_with_copy(tmp_path)
    assert ContractDocument.from_path(path).beta_header == "assistants=v2"
    edited = path.read_text(encoding="utf-8").replace("x-openai-beta: assistants=v2", "x-openai-beta: assistants=v9")
    path.write_text(edited, encoding="utf-8")  # edited after the copy was made
    assert ContractDocument.from_path(path).beta_header == "assistants=v9"


@pytest.mark.parametrize("copy", [b"{not json", b"[]", b'{"yaml_sha256": "0", "document": {}}'])
def test_a_broken_copy_is_ignored_and_the_yaml_read(tmp_path, copy):
    path = _contract_with_copy(tmp_path)
    parsed_copy_path(path).write_bytes(copy)
    assert len(ContractDocument.from_path(path).operations) == 23


def test_a_document_json_cannot_hold_as_it_is_gets_no_copy(tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {released: 2024-04-01}\npaths: {}\n", encoding="utf-8")
    data = path.read_bytes()
    with pytest.raises(ValueError, match="JSON cannot keep"):
        write_copy(path, data, document.parse_yaml(path, data))
    assert not parsed_copy_path(path).exists()
