"""Redaction of secrets in bodies, headers and URLs: what goes, what stays, and that placeholders are stable."""

import pytest

from assistants_contract import CheckResult, Exchange, Headers, Request, Response, Side, Violation
from assistants_contract.record.redact import Redactor, header_placeholder

KEY = "sk-proj-" + "A1b2C3d4" * 6
ORG = "org-" + "Q" * 24
PROJECT = "proj_" + "Z9" * 12


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f'{{"key": "{KEY}"}}', '{"key": "sk-REDACTED"}'),
        (f"Authorization: Bearer {KEY}", "Authorization: Bearer sk-REDACTED"),
        ("auth=bearer abcdefgh.ijklmnop", "auth=Bearer sk-REDACTED"),
        ("BeArEr tok_12345678901234567890", "Bearer sk-REDACTED"),
        (f"org={ORG}&project={PROJECT}", "org=org-REDACTED&project=proj_REDACTED"),
        (f'"{ORG}"', '"org-REDACTED"'),
        # Word boundary: these are parts of other words, not ids.
        ("myorg-" + "Q" * 24, "myorg-" + "Q" * 24),
        ("x_proj_" + "Z" * 20, "x_proj_" + "Z" * 20),
        # Too short to be a secret.
        ("sk-abc and org-short", "sk-abc and org-short"),
        ("sk-REDACTED stays", "sk-REDACTED stays"),
    ],
)
def test_body_secrets_become_fixed_placeholders(body: str, expected: str) -> None:
    assert Redactor().bytes(body.encode()) == expected.encode()


def test_the_same_secret_always_gets_the_same_placeholder() -> None:
    redactor = Redactor()
    once = redactor.bytes(f"{KEY} {ORG}".encode())
    assert redactor.bytes(once) == once
    assert redactor.bytes(f"{KEY} {ORG}".encode()) == once


def test_extra_patterns_and_an_invalid_one() -> None:
    assert Redactor(("cust_[0-9]+",)).bytes(b"id cust_12345") == b"id REDACTED"
    with pytest.raises(ValueError, match="not a valid regular expression"):
        Redactor(("(unclosed",))


def test_exchange_headers_query_and_bodies() -> None:
    exchange = Exchange(
        Request(
            "GET",
            f"https://api.openai.com/v1/assistants?api-key={KEY}&limit=2",
            Headers({"Authorization": f"Bearer {KEY}", "OpenAI-Organization": ORG, "Cookie": "session=abc"}),
            None,
        ),
        Response(200, Headers({"Set-Cookie": "session=abc", "Content-Type": "application/json"}), KEY.encode()),
    )
    redacted = Redactor().exchange(exchange)
    assert KEY not in redacted.request.url and "limit=2" in redacted.request.url
    assert dict(redacted.request.headers) == {
        "authorization": "Bearer sk-REDACTED",
        "openai-organization": "org-REDACTED",
        "cookie": "REDACTED",
    }
    assert redacted.response is not None
    assert redacted.response.headers["set-cookie"] == "REDACTED"
    assert redacted.response.headers["content-type"] == "application/json"
    assert redacted.response.body == b"sk-REDACTED"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A prefix inside a word is no key, and a word after "bearer" is no token unless it looks like one.
        ("risk-assessment-bot-for-the-whole-team", "risk-assessment-bot-for-the-whole-team"),
        ("Bearer instruments.", "Bearer instruments."),
        (f"x Bearer {KEY}.", "x Bearer sk-REDACTED."),
        # Secret-named parameters, in a query and in a form body; other parameters keep their bytes.
        ("GET /v1/x?limit=2&Token=abc%2Fdef&order=desc", "GET /v1/x?limit=2&Token=REDACTED&order=desc"),
        ("client_secret=abc&grant_type=x", "client_secret=REDACTED&grant_type=x"),
        ("key=value pairs", "key=value pairs"),
        # A password in a URL.
        ("https://me:pa55@host/v1", "https://me:REDACTED@host/v1"),
    ],
)
def test_shapes_and_their_look_alikes(body: str, expected: str) -> None:
    assert Redactor().bytes(body.encode()) == expected.encode()


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [
        ("Authorization", "Bearer sk-REDACTED"),
        ("OpenAI-Project", "proj_REDACTED"),
        ("X-Auth-Token", "REDACTED"),
        ("X-Goog-Api-Key", "REDACTED"),
        ("x_client_secret", "REDACTED"),
        ("Ocp-Apim-Subscription-Key", "REDACTED"),
        ("x-ratelimit-remaining-tokens", None),
        ("idempotency-key", None),
        ("www-authenticate", None),
        ("openai-processing-ms", None),
    ],
)
def test_headers_are_secret_by_their_name(name: str, placeholder: str | None) -> None:
    assert header_placeholder(name) == placeholder
    value = "abc123def456"
    assert Redactor().headers([(name, value)]) == [(name, placeholder or value)]


def test_an_escaped_secret_rewrites_only_its_own_json_string() -> None:
    body = '{"a": "caf\\u00e9", "b": "\\u0073k-' + KEY[3:] + '", "c": "\\u0041"}'
    assert Redactor().bytes(body.encode()) == b'{"a": "caf\\u00e9", "b": "sk-REDACTED", "c": "\\u0041"}'


def test_a_curl_reproduction_loses_its_secret_headers_only() -> None:
    command = "curl -X GET -H 'X-Api-Key: abc' -H 'OpenAI-Beta: assistants=v2' -H \"Cookie: a=b\" https://h/v1/x"
    assert Redactor().text(command) == (
        "curl -X GET -H 'X-Api-Key: REDACTED' -H 'OpenAI-Beta: assistants=v2' -H \"Cookie: REDACTED\" https://h/v1/x"
    )


def test_pointers_are_redacted_with_messages() -> None:
    violation = Violation("request.body.schema", f"{KEY!r} is bad", Side.REQUEST, pointer=f"/metadata/{KEY}")
    (redacted,) = Redactor().result(CheckResult("v2", "createThread", [violation])).violations
    assert (redacted.message, redacted.pointer) == ("'sk-REDACTED' is bad", "/metadata/sk-REDACTED")
