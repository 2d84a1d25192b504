"""A corpus of hostile input files for lint, built at test time: each with what lint must make of it.

`code` is the `sources.errors` code of a file lint must refuse (exit 2), or None for a file that is odd but usable,
whose exit status (`exit`) is then the contract's verdict on its exchanges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistants_contract.sources import errors

HEADER = "version: 1\ninteractions:\n"
URI = "https://api.openai.com/v1/threads/thread_abc"
THREAD = {"id": "thread_abc", "object": "thread", "created_at": 1731000001, "metadata": {}, "tool_resources": {}}
REQUEST = {"body": "", "headers": {"openai-beta": ["assistants=v2"]}, "method": "GET", "uri": URI}
RESPONSE = {
    "status": {"code": 200, "message": "OK"},
    "headers": {"content-type": ["application/json"]},
    "body": {"string": json.dumps(THREAD)},
}
YAML_INTERACTION = f"""- request:
    body: ''
    headers: {{openai-beta: [assistants=v2]}}
    method: GET
    uri: {URI}
  response:
    status: {{code: 200, message: OK}}
    headers: {{content-type: [application/json]}}
    body: {{string: '{json.dumps(THREAD)}'}}
"""


@dataclass(frozen=True)
class Hostile:
    name: str
    content: bytes
    code: str | None  # the code of an unusable file; None: usable
    exit: int = 2


def _cassette(request: dict | None = None, response: dict | None = None, **record: object) -> str:
    interaction = {"request": {**REQUEST, **(request or {})}, "response": {**RESPONSE, **(response or {})}, **record}
    return json.dumps({"version": 1, "interactions": [interaction]})


def _har(entry: object = None, **log: object) -> str:
    if entry is None:
        entry = {"request": {"method": "GET", "url": URI, "headers": []}, "response": {"status": 200}}
    return json.dumps({"log": {"version": "1.2", "entries": [entry], **log}})


def _har_entry(request: dict | None = None, response: dict | None = None) -> dict:
    req = {"method": "GET", "url": URI, "headers": [{"name": "OpenAI-Beta", "value": "assistants=v2"}]}
    resp = {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": json.dumps(THREAD)}}
    return {"request": {**req, **(request or {})}, "response": {**resp, **(response or {})}}


def _laughs(levels: int, fan: int) -> str:
    """A 'billion laughs' YAML: each level an alias list of the one before, `fan` times."""
    lines = ["l0: &l0 [lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\n{HEADER}" + YAML_INTERACTION.replace("[assistants=v2]", f"*l{levels}")


def _tagged(tag_and_value: str) -> str:
    return HEADER + YAML_INTERACTION.replace("body: ''", f"body: {tag_and_value}", 1)


def corpus() -> list[Hostile]:
    M, C, T = errors.MALFORMED, errors.NOT_CASSETTE, errors.YAML_TAG
    cases = {
        # vcrpy cassettes (JSON) whose fields are not of the type vcrpy writes
        "body-number.json": (_cassette({"body": 5}), M),
        "body-list.json": (_cassette({"body": [1, 2]}), M),
        "body-mapping.json": (_cassette({"body": {"a": 1}}), M),
        "body-boolean.json": (_cassette({"body": True}), M),
        "method-null.json": (_cassette({"method": None}), M),
        "method-list.json": (_cassette({"method": ["GET"]}), M),
        "method-number.json": (_cassette({"method": 7}), M),
        "uri-null.json": (_cassette({"uri": None}), M),
        "uri-list.json": (_cassette({"uri": [URI]}), M),
        "uri-mapping.json": (_cassette({"uri": {"a": URI}}), M),
        "request-headers-list.json": (_cassette({"headers": ["a"]}), M),
        "request-header-mapping.json": (_cassette({"headers": {"x": [{"a": 1}]}}), M),
        "request-header-empty.json": (_cassette({"headers": {"x": []}}), M),
        "response-headers-list.json": (_cassette(response={"headers": [1]}), M),
        "response-header-nested.json": (_cassette(response={"headers": {"x": [["a"]]}}), M),
        "response-body-string-number.json": (_cassette(response={"body": {"string": 5}}), M),
        "response-body-string-list.json": (_cassette(response={"body": {"string": ["a"]}}), M),
        "response-body-list.json": (_cassette(response={"body": ["a"]}), M),
        "status-missing.json": (_cassette(response={"status": {"message": "OK"}}), M),
        "status-null.json": (_cassette(response={"status": {"code": None}}), M),
        "status-text.json": (_cassette(response={"status": {"code": "abc"}}), M),
        "status-list.json": (_cassette(response={"status": {"code": [200]}}), M),
        "status-not-mapping.json": (_cassette(response={"status": 200}), M),
        "status-infinite.json": (_cassette(response={"status": {"code": 1e999}}).replace("Infinity", "1e999"), M),
        "request-missing.json": (json.dumps({"version": 1, "interactions": [{"response": RESPONSE}]}), C),
        "response-missing.json": (json.dumps({"version": 1, "interactions": [{"request": REQUEST}]}), C),
        "request-list.json": (json.dumps({"version": 1, "interactions": [{"request": [], "response": {}}]}), M),
        "interaction-number.json": (json.dumps({"version": 1, "interactions": [5]}), C),
        "request-extra-key.json": (_cassette({"extra": 1}), M),
        # documents that are not cassettes
        "interactions-null.json": ('{"version": 1, "interactions": null}', C),
        "interactions-mapping.json": ('{"version": 1, "interactions": {"a": 1}}', C),
        "interactions-number.json": ('{"version": 1, "interactions": 3}', C),
        "old-format.yaml": ("- request: {method: GET}\n  response: {}\n", C),
        "a-number.yaml": ("5\n", C),
        "a-string.yaml": ("just text\n", C),
        "no-interactions.yaml": ("version: 1\n", C),
        "header-only.yaml": (HEADER, C),
        # not JSON, not YAML
        "not-json.json": ("{not json", errors.NOT_JSON),
        "truncated.json": ('{"version": 1, "interactions": [', errors.NOT_JSON),
        "trailing-garbage.json": ('{"version": 1} extra', errors.NOT_JSON),
        "unclosed-flow.yaml": ("interactions: [\n  - request: {\n", errors.NOT_YAML),
        "bad-indent.yaml": ("version: 1\n interactions:\n- a\n", errors.NOT_YAML),
        "two-documents.yaml": ("---\na: 1\n---\nb: 2\n", errors.NOT_YAML),
        "bad-binary.yaml": (_tagged("!!binary '@@@ not base64'"), errors.NOT_YAML),
        # YAML tags that build Python objects (vcrpy's loader builds the first two)
        "tag-bytesio.yaml": (_tagged("!!python/object/new:_io.BytesIO {state: !!python/tuple ['hi', 0, null]}"), T),
        "tag-iter.yaml": (_tagged("!!python/object/apply:builtins.iter {args: [[1, 2]]}"), T),
        "tag-os-system.yaml": (_tagged("!!python/object/apply:os.system ['echo owned']"), T),
        "tag-object.yaml": (_tagged("!!python/object:collections.OrderedDict {}"), T),
        "tag-name.yaml": (_tagged("!!python/name:os.system ''"), T),
        "tag-module.yaml": (_tagged("!!python/module:os ''"), T),
        "tag-tuple.yaml": (_tagged("!!python/tuple [1, 2]"), T),
        "tag-custom.yaml": (_tagged("!mine 'x'"), T),
        # aliases
        "billion-laughs.yaml": (_laughs(9, 9), errors.ALIASES),
        "two-way-laughs.yaml": (_laughs(60, 2), errors.ALIASES),
        "alias-in-itself.yaml": (HEADER + "- &a [*a]\n", errors.ALIASES),
        "merge-bomb.yaml": (
            "a0: &a0 {k0: v}\n"
            + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}\n" for i in range(1, 70))
            + HEADER,
            errors.ALIASES,
        ),
        # nesting
        "deep-flow.yaml": (HEADER + "- " + "[" * 300 + "]" * 300 + "\n", errors.TOO_DEEP),
        "deep-block.yaml": (
            HEADER + "".join("  " * i + "- \n" for i in range(100)) + "  " * 100 + "- x\n",
            errors.TOO_DEEP,
        ),
        "deep-json-document.json": ('{"version": 1, "interactions": ' + "[" * 300 + "]" * 300 + "}", errors.TOO_DEEP),
        "very-deep-json.json": ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", errors.TOO_DEEP),
        "deep-har.har": ('{"log": {"entries": [' + '{"a": ' * 200 + "1" + "}" * 200 + "]}}", errors.TOO_DEEP),
        # HAR files with nulls and numbers where HAR has strings
        "har-entries-null.har": ('{"log": {"entries": null}}', errors.NOT_HAR),
        "har-entries-number.har": ('{"log": {"entries": 5}}', errors.NOT_HAR),
        "har-entries-mapping.har": ('{"log": {"entries": {"a": 1}}}', errors.NOT_HAR),
        "har-log-null.har": ('{"log": null}', errors.NOT_HAR),
        "har-entry-text.har": ('{"log": {"entries": ["x"]}}', M),
        "har-method-number.har": (_har(_har_entry({"method": 5})), M),
        "har-url-null.har": (_har(_har_entry({"url": None})), M),
        "har-url-number.har": (_har(_har_entry({"url": 7})), M),
        "har-headers-mapping.har": (_har(_har_entry({"headers": {"a": "b"}})), M),
        "har-header-value-number.har": (_har(_har_entry({"headers": [{"name": "a", "value": 1}]})), M),
        "har-header-name-null.har": (_har(_har_entry({"headers": [{"name": None, "value": "x"}]})), M),
        "har-status-text.har": (_har(_har_entry(response={"status": "abc"})), M),
        "har-status-infinite.har": (
            _har(_har_entry(response={"status": 1})).replace('"status": 1', '"status": Infinity'),
            M,
        ),
        "har-content-text-number.har": (_har(_har_entry(response={"content": {"text": 5}})), M),
        "har-post-text-number.har": (_har(_har_entry({"method": "POST", "postData": {"text": 5}})), M),
        "har-bad-base64.har": (_har(_har_entry(response={"content": {"text": "abc", "encoding": "base64"}})), M),
        "har-request-null.har": (_har({"request": None}), M),
        # bytes that are not text
        "not-utf8.yaml": (b"version: 1\ninteractions: [\xff\xfe]\n", errors.UNREADABLE),
        "utf16.json": ('{"version": 1}'.encode("utf-16"), errors.UNREADABLE),
        # the proxy's line format with hostile lines (the line reader hands them to the safe YAML reading)
        "line-method-null.yaml": (
            HEADER + "- " + json.dumps({"request": {**REQUEST, "method": None}, "response": RESPONSE}) + "\n",
            M,
        ),
        "line-python-tag.yaml": (HEADER + "- !!python/object/apply:os.system ['echo owned']\n", T),
        "line-deep-verdict.yaml": (
            HEADER
            + "- "
            + json.dumps({"request": REQUEST, "response": RESPONSE, "assistants_contract": _nested(70)})
            + "\n",
            errors.TOO_DEEP,
        ),
        # odd but usable: the contract judges them
        "deep-request-body.json": (
            _cassette({"method": "POST", "uri": URI.rsplit("/", 1)[0], "body": "[" * 300 + "]" * 300}),
            None,
            1,
        ),
        "deep-response-body.json": (_cassette(response={"body": {"string": '{"a":' * 300 + "1" + "}" * 300}}), None, 1),
        "python-str-tag.yaml": (HEADER + YAML_INTERACTION.replace("method: GET", "method: !!python/str GET"), None, 0),
        "few-aliases.yaml": (
            HEADER
            + YAML_INTERACTION.replace("{openai-beta: [assistants=v2]}", "&h {openai-beta: [assistants=v2]}")
            + YAML_INTERACTION.replace("{openai-beta: [assistants=v2]}", "*h"),
            None,
            0,
        ),
        "no-interactions.json": ('{"version": 1, "interactions": []}', None, 0),
    }
    out = []
    for name, spec in cases.items():
        content, code, *rest = spec
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        out.append(Hostile(name, data, code, rest[0] if rest else 2 if code else 0))
    return out


def _nested(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"v": value}
    return value


def write_corpus(folder: Path) -> list[Hostile]:
    folder.mkdir(parents=True, exist_ok=True)
    files = corpus()
    for hostile in files:
        (folder / hostile.name).write_bytes(hostile.content)
    return files
