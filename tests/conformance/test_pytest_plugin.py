"""The pytest plugin, as a user's pytest loads it (the installed `pytest11` entry point), in sub-pytests."""

from __future__ import annotations

import textwrap

from assistants_contract.server import create_app

from .conftest import API_KEY

pytest_plugins = ["pytester"]

SUBSET = "getThread or (getRun and not Step) or stateful or run_completes or message_pagination"
RECORD_MODULES = """
import pathlib, sys
def pytest_sessionfinish(session):
    pathlib.Path("modules.txt").write_text("\\n".join(sorted(sys.modules)))
"""


def _suite_args(url: str, *more: str) -> list[str]:
    return [
        "--assistants-url",
        url,
        "--assistants-api-key",
        API_KEY,
        "--assistants-api-version",
        "v2",
        "--assistants-max-examples",
        "2",
        "-p",
        "no:cacheprovider",
        "-k",
        SUBSET,
        *more,
    ]


def test_the_suite_runs_as_parametrized_tests_and_passes_on_the_reference_server(pytester, reference_url):
    pytester.makeconftest(RECORD_MODULES)
    result = pytester.runpytest_subprocess(*_suite_args(reference_url, "-v"))
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*assistants-contract: conformance of*seed*",
            "*test_conformance?v2-getRun? PASSED*",
            "*test_conformance?v2-getThread? PASSED*",
            "*test_conformance?v2-stateful? PASSED*",
            "*test_conformance?v2-scenario-run_completes? PASSED*",
        ]
    )
    modules = (pytester.path / "modules.txt").read_text().split()
    assert "schemathesis" in modules and "assistants_contract.conformance" in modules
    assert not [m for m in modules if m == "mitmproxy" or m.startswith("mitmproxy.")]


def test_a_faulty_server_fails_the_tests_of_what_it_breaks(pytester, contract, serve_app):
    url = serve_app(create_app("stateful", contract=contract, faults=["has-more-false"], api_keys=[API_KEY]))
    result = pytester.runpytest_subprocess(*_suite_args(url))
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*FAILED*test_conformance?v2-scenario-message_pagination*"])
    result.stdout.fnmatch_lines(["*listMessages*FAIL*scenario.message_pagination*", "*reproduce with:*"])


def test_an_unreachable_url_fails_each_test_with_one_reason(pytester):
    args = ["--assistants-url", "http://127.0.0.1:9", "--assistants-api-version", "v2", "-p", "no:cacheprovider"]
    result = pytester.runpytest_subprocess(*args, "-k", "getRun and not Step")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*could not test http://127.0.0.1:9/v1: cannot reach*"])


def test_users_write_their_own_tests_with_the_fixtures(pytester):
    pytester.makepyfile(
        textwrap.dedent(
            """
            def test_mine(assistants_client, assistants_contract, assistants_server, assistants_url):
                assert assistants_url == assistants_server.url
                created = assistants_client.post("/assistants", json={"model": "gpt-4o"})
                assert created.status_code == 200 and created.json()["id"].startswith("asst_")
                assert set(assistants_contract.documents) == {"v1", "v2"}
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_without_a_url_the_suite_is_not_collected(pytester):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q")
    assert "test_conformance" not in result.stdout.str()


def test_the_suite_shards_with_xdist(pytester, reference_url):
    result = pytester.runpytest_subprocess(*_suite_args(reference_url, "-n", "2"))
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*2 workers*"])
