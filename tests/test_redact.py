"""Redaction of secrets in bodies, headers and URLs: what goes, what stays, and that placeholders are stable."""

import pytest

from assistants_contract import Exchange, Headers, Request, Response
from assistants_contract.record.redact import Redactor

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
