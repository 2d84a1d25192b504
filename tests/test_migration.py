"""`assistants-contract migrate`: v1 traffic judged by the v2 contract, each difference named by the rule table with
its v2 replacement. On the bundled v1 cassettes and on a cassette written here."""

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistants_contract.cli import cli
from assistants_contract.migration import OTHER, RULES, migrate_files
from assistants_contract.sources import find_files

ROOT = Path(__file__).resolve().parent.parent
V1 = ROOT / "cassettes" / "v1"
V2 = ROOT / "cassettes" / "v2"


def items(summary):
    return [(r.kind, r.operation_id, r.pointer, r.count) for r in summary.migration.replacements]


def run_cli(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def bundled():
    return migrate_files(list(find_files([V1])))


def test_rule_table_is_readable():
    kinds = [rule.kind for rule in RULES]
    assert len(kinds) == len(set(kinds)) and OTHER not in kinds
    assert {rule.side for rule in RULES} == {"request", "response"}
    assert all(rule.v1 and rule.v2 and rule.codes for rule in RULES)


def test_bundled_v1_cassettes_request_side(bundled):
    assert bundled.errors == []
    migration = bundled.summary.migration
    assert (migration.exchanges, migration.v1_exchanges, len(migration.changes)) == (80, 80, 79)
    request = [i for i, r in zip(items(bundled.summary), migration.replacements, strict=True) if r.side == "request"]
    headers = [i for i in request if i[0] == "beta_header"]
    # Every v1 request but the one sent without a beta header on purpose (errors.yaml) names assistants=v1.
    assert sum(i[3] for i in headers) == 79 and all(i[2] == "/openai-beta" for i in headers)
    assert [i for i in request if i[0] != "beta_header"] == [
        ("assistant_file_ids", "createAssistant", "/file_ids", 1),
        ("message_file_ids", "createMessage", "/file_ids", 1),
        ("retrieval_tool", "createAssistant", "/tools/*/type", 1),
        ("assistant_files_endpoint", "createAssistantFile", "/assistants/{assistant_id}/files", 1),
        ("assistant_files_endpoint", "deleteAssistantFile", "/assistants/{assistant_id}/files/{file_id}", 1),
        ("assistant_files_endpoint", "getAssistantFile", "/assistants/{assistant_id}/files/{file_id}", 2),
        ("assistant_files_endpoint", "listAssistantFiles", "/assistants/{assistant_id}/files", 1),
        (
            "message_files_endpoint",
            "getMessageFile",
            "/threads/{thread_id}/messages/{message_id}/files/{file_id}",
            1,
        ),
        ("message_files_endpoint", "listMessageFiles", "/threads/{thread_id}/messages/{message_id}/files", 1),
    ]


def test_bundled_v1_cassettes_response_side(bundled):
    migration = bundled.summary.migration
    totals = Counter()
    for r in migration.replacements:
        if r.side == "response":
            totals[r.kind] += r.count
    assert dict(totals) == {
        "assistant_file_ids_read": 13,
        "message_file_ids_read": 27,
        "run_file_ids_read": 32,
        "retrieval_tool_read": 1,
        "thread_tool_resources": 11,
        "message_attachments": 27,
        "run_parallel_tool_calls": 32,
    }
    # Streams: the place is the event's data, whatever its number.
    assert ("run_parallel_tool_calls", "createRun", "/*/data/parallel_tool_calls", 8) in items(bundled.summary)
    assert ("message_attachments", "listMessages", "/data/*/attachments", 10) in items(bundled.summary)


def test_every_exchange_of_a_file_cassette_is_listed():
    summary = migrate_files([V1 / "assistant-files.yaml"]).summary
    assert items(summary) == [
        ("beta_header", "createAssistant", "/openai-beta", 1),
        ("beta_header", "createAssistantFile", "/openai-beta", 1),
        ("beta_header", "deleteAssistantFile", "/openai-beta", 1),
        ("beta_header", "getAssistantFile", "/openai-beta", 2),
        ("beta_header", "listAssistantFiles", "/openai-beta", 1),
        ("assistant_file_ids", "createAssistant", "/file_ids", 1),
        ("retrieval_tool", "createAssistant", "/tools/*/type", 1),
        ("assistant_files_endpoint", "createAssistantFile", "/assistants/{assistant_id}/files", 1),
        ("assistant_files_endpoint", "deleteAssistantFile", "/assistants/{assistant_id}/files/{file_id}", 1),
        ("assistant_files_endpoint", "getAssistantFile", "/assistants/{assistant_id}/files/{file_id}", 2),
        ("assistant_files_endpoint", "listAssistantFiles", "/assistants/{assistant_id}/files", 1),
        ("assistant_file_ids_read", "createAssistant", "/file_ids", 1),
        ("retrieval_tool_read", "createAssistant", "/tools/*/type", 1),
    ]
    changes = summary.migration.changes
    assert [(c.place.index, c.place.method, c.kinds) for c in changes[:2]] == [
        (
            0,
            "POST",
            ("beta_header", "assistant_file_ids", "retrieval_tool", "assistant_file_ids_read", "retrieval_tool_read"),
        ),
        (1, "POST", ("beta_header", "assistant_files_endpoint")),
    ]
    assert changes[1].place.url.endswith("/v1/assistants/asst_AwiKect0ZPIuAtuwruVVHGaH/files")
    assert changes[1].place.source == str(V1 / "assistant-files.yaml")


def test_bundled_v2_cassettes_need_nothing():
    summary = migrate_files(list(find_files([V2]))).summary
    # The request errors.yaml sends without a beta header is taken for v1 (the default) and differs in nothing.
    assert summary.migration.replacements == [] and summary.migration.v1_exchanges == 1
    assert summary.findings == []


# --- a cassette written here --------------------------------------------------------------------------------------

V1_HEADERS = {"openai-beta": ["assistants=v1"], "content-type": ["application/json"]}


def interaction(method, path, body, headers=V1_HEADERS):
    return {
        "request": {
            "method": method,
            "uri": f"https://api.openai.com/v1{path}",
            "headers": headers,
            "body": json.dumps(body) if body is not None else "",
        },
        "response": None,
    }


def write_cassette(path: Path, interactions) -> Path:
    lines = ["version: 1", "interactions:"]
    for i in interactions:
        if i["response"] is None:  # no recorded answer: only the request is judged
            i = {**i, "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": ""}}}
        lines.append(f"- {json.dumps(i)}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def written(tmp_path):
    return write_cassette(
        tmp_path / "app.yaml",
        [
            interaction(
                "POST",
                "/threads/runs",
                {
                    "assistant_id": "asst_abc123",
                    "thread": {"messages": [{"role": "user", "content": "hi", "file_ids": ["file-abc123"]}]},
                    "tools": [{"type": "code_interpreter"}, {"type": "retrieval"}],
                    "tool_choice": {"type": "retrieval"},
                },
            ),
            interaction(
                "POST",
                "/threads/thread_abc123/runs",
                {
                    "assistant_id": "asst_abc123",
                    "additional_messages": [{"role": "user", "content": "more", "file_ids": ["file-abc123"]}],
                },
            ),
            interaction("POST", "/threads", {"messages": [{"role": "user", "content": "a", "file_ids": ["file-x1"]}]}),
            interaction("POST", "/assistants/asst_abc123", {"file_ids": ["file-abc123"], "colour": "red"}),
            # Already v2: nothing to change.
            interaction("POST", "/assistants", {"model": "gpt-4o"}, {**V1_HEADERS, "openai-beta": ["assistants=v2"]}),
        ],
    )


def test_written_cassette_exact_replacements(written):
    run = migrate_files([written])
    assert run.errors == []
    # An empty recorded body is judged by both versions alike, so only the requests differ.
    assert items(run.summary) == [
        ("beta_header", "createRun", "/openai-beta", 1),
        ("beta_header", "createThread", "/openai-beta", 1),
        ("beta_header", "createThreadAndRun", "/openai-beta", 1),
        ("beta_header", "modifyAssistant", "/openai-beta", 1),
        ("assistant_file_ids", "modifyAssistant", "/file_ids", 1),
        ("message_file_ids", "createRun", "/additional_messages/*/file_ids", 1),
        ("message_file_ids", "createThread", "/messages/*/file_ids", 1),
        ("message_file_ids", "createThreadAndRun", "/thread/messages/*/file_ids", 1),
        ("retrieval_tool", "createThreadAndRun", "/tools/*/type", 1),
        ("retrieval_tool_choice", "createThreadAndRun", "/tool_choice/type", 1),
    ]
    migration = run.summary.migration
    # 'colour' breaks v1 as much as v2: not a migration matter. The v2 request is counted, not listed.
    assert (migration.exchanges, migration.v1_exchanges, len(migration.changes)) == (5, 4, 4)
    assert migration.operations["createAssistant"].to_change == 0
    assert migration.operations["modifyAssistant"].replacements == 2


def test_json_output_shape(written):
    code, out, _ = run_cli("migrate", str(written), "--format", "json")
    assert code == 1
    report = json.loads(out)
    section = report["migration"]
    assert list(section) == [
        "target",
        "exchanges",
        "v1_exchanges",
        "exchanges_to_change",
        "places",
        "replacements",
        "operations",
        "changes",
    ]
    assert (section["target"], section["exchanges"], section["exchanges_to_change"], section["places"]) == (
        "v2",
        5,
        4,
        10,
    )
    first = section["replacements"][0]
    assert list(first) == ["kind", "side", "operation_id", "pointer", "count", "v1", "v2", "codes", "exchanges"]
    assert first["exchanges"] == [
        {
            "file": str(written),
            "index": 1,
            "method": "POST",
            "url": "https://api.openai.com/v1/threads/thread_abc123/runs",
        }
    ]
    assert section["operations"]["createThreadAndRun"] == {"exchanges": 1, "to_change": 1, "replacements": 4}
    assert section["changes"][0] == {
        "file": str(written),
        "index": 0,
        "method": "POST",
        "url": "https://api.openai.com/v1/threads/runs",
        "operation_id": "createThreadAndRun",
        "kinds": ["beta_header", "message_file_ids", "retrieval_tool", "retrieval_tool_choice"],
    }
    # The findings are the v2 contract's verdict on what v1 did not already break.
    assert {v["code"] for v in report["violations"]} == {
        "request.header.invalid",
        "request.body.unknown_property",
        "request.body.schema",
    }
    assert not any(v["pointer"] == "/colour" for v in report["violations"])


def test_text_output_and_exit_statuses(tmp_path, written):
    code, out, _ = run_cli("migrate", str(written))
    assert code == 1
    assert "retrieval_tool_choice (request): tool_choice" in out
    assert out.endswith("5 exchanges (4 as v1), 4 to change, 10 places: changes needed\n")
    code, out, _ = run_cli("migrate", str(V2 / "threads.yaml"))
    assert (code, out.splitlines()[-1]) == (0, "5 exchanges (0 as v1), 0 to change, 0 places: nothing to change")
    code, _, err = run_cli("migrate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml: no such file or folder" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ninteractions: [\n")
    code, out, err = run_cli("migrate", str(bad), str(written))
    assert code == 2 and "bad.yaml" in err and "Traceback" not in err
    assert "5 exchanges" in out  # what could be read is still reported
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli("migrate", str(empty))
    assert code == 2 and "no cassette or HAR files found" in err


def test_html_output_has_the_migration_section(written):
    code, page, _ = run_cli("migrate", str(written), "--format", "html")
    assert code == 1
    assert "<h2 id='migration'>Moving to v2</h2>" in page
    assert "<span id='n-migration-changes' class='error'>4</span> to change" in page
    assert "<span id='n-migration-places'>10</span> places" in page
    assert "id='migration-retrieval_tool_choice'" in page and "data-migration-kind='retrieval_tool_choice'" in page


def test_recorded_urls_are_redacted(tmp_path):
    key = "sk-" + "proj" + "A1b2" * 8  # made at run time: no key-shaped literal in the repository
    cassette = write_cassette(
        tmp_path / "leaky.yaml", [interaction("POST", f"/assistants?api_key={key}", {"model": "m", "file_ids": []})]
    )
    code, out, _ = run_cli("migrate", str(cassette), "--format", "json")
    assert code == 1 and key not in out
    assert json.loads(out)["migration"]["changes"][0]["url"].startswith("https://api.openai.com/v1/assistants?api_key=")
    code, out, _ = run_cli("migrate", str(cassette))
    assert key not in out
