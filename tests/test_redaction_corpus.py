"""Redaction over a corpus: every placement of a secret the outputs can meet comes out with no secret in it, and
ordinary text that only looks like one comes out byte for byte as it went in.

Each secret placement goes through the paths the outputs use: an exchange through `Redactor.exchange` into a
cassette line, the proxy's per-flow line and the four reports; a check result through `Redactor.result`; a text
(a message, a log line, a curl reproduction) through `Redactor.text` and the reports of a conformance run. The
reports are also fed the raw, unredacted data: they must redact it themselves. Then the real proxy, as
`assistants-contract proxy` and as `mitmdump -s .../proxy/mitmdump_addon.py`, gets requests with a key in
the query and in a path segment, and nothing it prints or writes holds the key; and `verify` does not print the
password of the URL it cannot reach.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from mitmproxy.test import taddons, tflow, tutils
from proxy_e2e.support import MITMDUMP, SECRET_KEY, SECRET_ORG, free_port, mitm, scan_for_secrets, wait_listening
from server.support import V2, serve

from assistants_contract import CheckResult, Exchange, Headers, Request, Response, Severity, Side, Violation
from assistants_contract.proxy import addons
from assistants_contract.record.cassette import interaction, serialize_interaction
from assistants_contract.record.redact import SECRET_QUERY_PARAMETERS, Redactor
from assistants_contract.report import Summary, json_report, junit, text
from assistants_contract.report import html as html_report
from assistants_contract.report.summary import CheckFailure
from assistants_contract.server import create_app

# --- the secrets ---------------------------------------------------------------------------------------------

KEY_PROJECT = "sk-proj-" + "Xq7Lm2Np9Rt4Vw6Yz8Ab3Cd5Ef1Gh0Jk" * 3
KEY_LEGACY = "sk-" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5kL7nP9rS1uV3"
KEY_SERVICE = "sk-svcacct-" + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6"
KEY_LOWER = "sk-live-" + "qwertyuiopasdfghjklzxcvbnm"  # test keys are often made of letters only
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
JWT_UNSIGNED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyLTQyIn0."
ORG = "org-Ab12Cd34Ef56Gh78Ij90Kl12"
PROJECT = "proj_Zx98Yw76Vu54Ts32Rq10Po98"
OPAQUE = "tok_9f8e7d6c5b4a39281706f5e4"  # a bearer token of no known shape
VALUE = "opaque7Secret3Value9Zq"  # a parameter's or header's value of no known shape: only its name tells
PASSWORD = "hunter2-Pa55word-x9"
COOKIE = "session=5up3r5ecretC00kie"

# What must not appear: each secret, and the part that would survive if only its prefix were replaced.
NEEDLES = {
    KEY_PROJECT: [KEY_PROJECT, KEY_PROJECT[8:24]],
    KEY_LEGACY: [KEY_LEGACY, KEY_LEGACY[3:19]],
    KEY_SERVICE: [KEY_SERVICE, KEY_SERVICE[11:27]],
    KEY_LOWER: [KEY_LOWER, KEY_LOWER[8:24]],
    JWT: [JWT, JWT.split(".")[1], JWT.split(".")[2]],
    JWT_UNSIGNED: [JWT_UNSIGNED, JWT_UNSIGNED.split(".")[1]],
    ORG: [ORG, ORG[4:]],
    PROJECT: [PROJECT, PROJECT[5:]],
    OPAQUE: [OPAQUE, OPAQUE[4:]],
    VALUE: [VALUE],
    PASSWORD: [PASSWORD],
    COOKIE: [COOKIE.split("=")[1]],
}

BASE = "https://api.openai.com/v1"
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SSE = {"Content-Type": "text/event-stream"}


def escaped(text: str) -> str:
    """Every character as a JSON \\u escape."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def unescaped(text: str) -> str:
    """The text with JSON \\u escapes and URL %-escapes undone, to see a secret written either way."""
    decoded = text.encode("latin-1", "backslashreplace").decode("unicode_escape", "replace")
    return unquote(decoded)


def leaks(output: str, secret: str) -> list[str]:
    return [needle for needle in NEEDLES[secret] for form in (output, unescaped(output)) if needle in form]


# --- the placements ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    id: str
    secret: str
    exchange: Exchange | None = None
    result: CheckResult | None = None  # with `exchange`: the violations found in it
    text: str | None = None  # a message, a log line or a reproduction


def request(
    method: str = "GET",
    url: str = f"{BASE}/assistants",
    headers: dict[str, str] | None = None,
    body: str | bytes | None = None,
) -> Request:
    all_headers = {"OpenAI-Beta": "assistants=v2", **(headers or {})}
    data = body.encode() if isinstance(body, str) else body
    return Request(method, url, Headers(all_headers), data)


def in_url(id: str, url: str, secret: str) -> Placement:
    return Placement(id, secret, Exchange(request(url=url), Response(200, Headers(JSON), b"{}")))


def in_request_header(id: str, name: str, value: str, secret: str) -> Placement:
    return Placement(id, secret, Exchange(request(headers={name: value}), Response(200, Headers(JSON), b"{}")))


def in_response_header(id: str, name: str, value: str, secret: str) -> Placement:
    return Placement(id, secret, Exchange(request(), Response(200, Headers({**JSON, name: value}), b"{}")))


def in_request_body(id: str, body: str, secret: str, headers: dict[str, str] = JSON) -> Placement:
    exchange = Exchange(request("POST", f"{BASE}/threads", headers, body), Response(200, Headers(JSON), b"{}"))
    return Placement(id, secret, exchange)


def in_response_body(id: str, body: str, secret: str, headers: dict[str, str] = JSON) -> Placement:
    return Placement(id, secret, Exchange(request(), Response(200, Headers(headers), body.encode())))


def in_violation(id: str, secret: str, message: str, pointer: str = "/metadata") -> Placement:
    exchange = Exchange(request("POST", f"{BASE}/threads", JSON, "{}"), Response(200, Headers(JSON), b"{}"))
    violation = Violation("request.body.schema", message, Side.REQUEST, Severity.ERROR, "createThread", pointer)
    return Placement(id, secret, exchange, CheckResult("v2", "createThread", [violation]))


def in_text(id: str, text: str, secret: str) -> Placement:
    return Placement(id, secret, text=text)


def sse(*data: str) -> str:
    return "".join(f"event: thread.message.delta\ndata: {d}\n\n" for d in data) + "event: done\ndata: [DONE]\n\n"


def _query_names() -> list[str]:
    names = list(SECRET_QUERY_PARAMETERS)
    names += [n.replace("_", "-") for n in SECRET_QUERY_PARAMETERS if "_" in n]
    names += ["API_KEY", "Api-Key", "X-API-KEY", "Access-Token", "TOKEN", "Client_Secret"]
    return names


PLACEMENTS: list[Placement] = [
    # Query strings: every secret-looking name, wherever it stands in the query, whatever the value looks like.
    *(
        in_url(f"query-{name}", f"{BASE}/assistants?limit=2&{name}={VALUE}&order=desc", VALUE)
        for name in _query_names()
    ),
    in_url("query-first", f"{BASE}/assistants?key={VALUE}", VALUE),
    in_url("query-last", f"{BASE}/assistants?limit=2&api_key={VALUE}", VALUE),
    in_url("query-key-shaped-value", f"{BASE}/assistants?api_key={KEY_PROJECT}", KEY_PROJECT),
    in_url("query-jwt-under-an-ordinary-name", f"{BASE}/assistants?after={JWT}", JWT),
    in_url("query-token-jwt", f"{BASE}/assistants?token={JWT}", JWT),
    in_url("query-percent-encoded-value", f"{BASE}/assistants?access_token=a%2Fb%3D{VALUE}", VALUE),
    in_url("query-after-fragment-like", f"{BASE}/assistants?x=1&sig={VALUE}#top", VALUE),
    # Path segments.
    in_url("path-project-key", f"{BASE}/assistants/{KEY_PROJECT}", KEY_PROJECT),
    in_url("path-legacy-key", f"{BASE}/threads/{KEY_LEGACY}/runs", KEY_LEGACY),
    in_url("path-service-key", f"{BASE}/{KEY_SERVICE}/assistants", KEY_SERVICE),
    in_url("path-jwt", f"{BASE}/threads/{JWT}", JWT),
    in_url("path-org", f"{BASE}/organizations/{ORG}/projects", ORG),
    in_url("path-project-id", f"{BASE}/projects/{PROJECT}", PROJECT),
    in_url("url-password", f"https://user:{PASSWORD}@api.openai.com/v1/assistants", PASSWORD),
    # Request headers: the known ones, custom ones by their name, and secrets in the value of any other.
    in_request_header("header-authorization-key", "Authorization", f"Bearer {KEY_PROJECT}", KEY_PROJECT),
    in_request_header("header-authorization-jwt", "Authorization", f"Bearer {JWT}", JWT),
    in_request_header("header-authorization-opaque", "authorization", f"Bearer {OPAQUE}", OPAQUE),
    in_request_header("header-authorization-basic", "Authorization", f"Basic {VALUE}", VALUE),
    in_request_header("header-proxy-authorization", "Proxy-Authorization", f"Basic {VALUE}", VALUE),
    in_request_header("header-organization", "OpenAI-Organization", ORG, ORG),
    in_request_header("header-project", "OpenAI-Project", PROJECT, PROJECT),
    in_request_header("header-cookie", "Cookie", COOKIE, COOKIE),
    in_request_header("header-azure-api-key", "api-key", VALUE, VALUE),
    in_request_header("header-x-api-key", "X-Api-Key", VALUE, VALUE),
    in_request_header("header-x-auth-token", "X-Auth-Token", VALUE, VALUE),
    in_request_header("header-x-goog-api-key", "X-Goog-Api-Key", VALUE, VALUE),
    in_request_header("header-x-client-secret", "X-Client-Secret", VALUE, VALUE),
    in_request_header("header-x-session", "X-Session", VALUE, VALUE),
    in_request_header("header-subscription-key", "Ocp-Apim-Subscription-Key", VALUE, VALUE),
    in_request_header("header-custom-holding-a-key", "X-Debug-Note", f"key was {KEY_LEGACY}", KEY_LEGACY),
    in_request_header("header-custom-holding-a-jwt", "X-Client-Assertion", JWT, JWT),
    in_request_header("header-custom-holding-a-bearer", "X-Forwarded-For-Auth", f"Bearer {OPAQUE}", OPAQUE),
    # Response headers.
    in_response_header("response-set-cookie", "Set-Cookie", f"{COOKIE}; HttpOnly", COOKIE),
    in_response_header("response-session-token", "X-Session-Token", VALUE, VALUE),
    in_response_header("response-custom-holding-an-org", "X-Debug", f"org {ORG}", ORG),
    in_response_header("response-custom-holding-a-key", "X-Echo", KEY_SERVICE, KEY_SERVICE),
    # JSON bodies, plain.
    in_request_body("json-key", json.dumps({"metadata": {"k": KEY_LOWER}}), KEY_LOWER),
    in_request_body("json-bearer-in-prose", json.dumps({"instructions": f"send Bearer {OPAQUE} to it"}), OPAQUE),
    in_request_body("json-jwt", json.dumps({"metadata": {"id_token": JWT}}), JWT),
    in_request_body("json-unsigned-jwt", json.dumps({"metadata": {"t": JWT_UNSIGNED}}), JWT_UNSIGNED),
    in_request_body("json-org", json.dumps({"metadata": {"org": ORG}}), ORG),
    in_request_body("json-project", json.dumps({"metadata": {"p": PROJECT}}), PROJECT),
    in_request_body("json-url-with-token", json.dumps({"metadata": {"u": f"https://x.io/cb?token={VALUE}"}}), VALUE),
    in_response_body("json-response-key", json.dumps({"id": "asst_1", "description": KEY_LEGACY}), KEY_LEGACY),
    # JSON bodies with \u escapes: in the value, in the whole value, in an escaped key, hiding the space.
    in_request_body("json-escaped-prefix", '{"metadata": {"k": "\\u0073k-' + KEY_LEGACY[3:] + '"}}', KEY_LEGACY),
    in_request_body("json-escaped-whole-key", '{"metadata": {"k": "' + escaped(KEY_PROJECT) + '"}}', KEY_PROJECT),
    in_request_body(
        "json-escaped-name-and-value", '{"\\u0061pi_key": "\\u0073k-' + KEY_SERVICE[3:] + '"}', KEY_SERVICE
    ),
    in_request_body("json-escaped-jwt", '{"t": "\\u0065yJ' + JWT[3:] + '"}', JWT),
    in_request_body("json-escaped-org", '{"o": "\\u006frg-' + ORG[4:] + '"}', ORG),
    in_request_body("json-escaped-project", '{"p": "proj\\u005f' + PROJECT[5:] + '"}', PROJECT),
    in_request_body("json-escaped-bearer-space", '{"n": "Bearer\\u0020' + OPAQUE + '"}', OPAQUE),
    in_request_body("json-escaped-ampersand-token", '{"u": "https://x.io/?a=1\\u0026token=' + VALUE + '"}', VALUE),
    in_response_body(
        "json-escaped-response", '{"description": "caf\\u00e9 \\u0073k-' + KEY_LEGACY[3:] + '"}', KEY_LEGACY
    ),
    # Form bodies.
    in_request_body("form-api-key", f"api_key={VALUE}&model=gpt-4o", VALUE, FORM),
    in_request_body("form-token", f"model=gpt-4o&token={VALUE}", VALUE, FORM),
    in_request_body("form-refresh-token", f"grant_type=refresh_token&refresh_token={VALUE}", VALUE, FORM),
    in_request_body("form-client-secret", f"client_id=app&client_secret={VALUE}", VALUE, FORM),
    in_request_body("form-password", f"password={VALUE}&user=bob", VALUE, FORM),
    in_request_body("form-key-shaped-value", f"name=x&key={KEY_PROJECT}", KEY_PROJECT, FORM),
    # Server-sent event data.
    in_response_body(
        "sse-key",
        sse(json.dumps({"delta": {"content": [{"text": {"value": f"key {KEY_PROJECT}"}}]}})),
        KEY_PROJECT,
        SSE,
    ),
    in_response_body("sse-jwt", sse(json.dumps({"delta": {"t": JWT}})), JWT, SSE),
    in_response_body("sse-bearer", sse(json.dumps({"delta": {"t": f"Authorization: Bearer {OPAQUE}"}})), OPAQUE, SSE),
    in_response_body("sse-escaped-key", sse('{"delta": {"t": "\\u0073k-' + KEY_SERVICE[3:] + '"}}'), KEY_SERVICE, SSE),
    in_response_body("sse-org", sse(json.dumps({"delta": {"t": ORG}})), ORG, SSE),
    # Violation messages and pointers (the core quotes the value it refuses, and names a body's keys).
    in_violation("violation-message-key", KEY_PROJECT, f"'{KEY_PROJECT}' is not of type 'object'"),
    in_violation("violation-pointer-key", KEY_LEGACY, "unknown argument", pointer=f"/metadata/{KEY_LEGACY}"),
    in_violation("violation-message-jwt", JWT, f"{JWT!r} is too long"),
    in_violation("violation-message-url", VALUE, f"'https://x.io/?token={VALUE}' is not a 'uri'"),
    in_violation("violation-message-project", PROJECT, f"'{PROJECT}' does not match '^asst_'"),
    # Texts: reproductions, log and error lines.
    in_text("curl-bearer", f"curl -X GET -H 'Authorization: Bearer {OPAQUE}' {BASE}/assistants", OPAQUE),
    in_text("curl-short-bearer", "curl -X GET -H 'authorization: Bearer s3cr' " + BASE, "s3cr"),
    in_text("curl-custom-header", f"curl -X GET -H 'X-Api-Key: {VALUE}' {BASE}/assistants", VALUE),
    in_text("curl-query", f"curl -X GET '{BASE}/assistants?access_token={VALUE}'", VALUE),
    in_text("curl-body", f'curl -X POST -d \'{{"metadata": {{"k": "{KEY_LOWER}"}}}}\' {BASE}/threads', KEY_LOWER),
    in_text("log-internal-error", f"internal error in request for {BASE}/threads/{KEY_PROJECT}?key={VALUE}", VALUE),
    in_text("log-traceback", f'Traceback (most recent call last):\nValueError: bad token "{JWT}"', JWT),
    in_text("error-unreachable", f"cannot reach https://bob:{PASSWORD}@example.com/v1: ConnectError", PASSWORD),
]
NEEDLES["s3cr"] = ["s3cr"]


def _outputs(placement: Placement) -> dict[str, str]:
    """Every output the placement reaches, by the paths the outputs take, redacted where they redact."""
    redactor = Redactor()
    out: dict[str, str] = {}
    if placement.exchange is not None:
        raw = placement.exchange
        raw_result = placement.result or CheckResult("v2", "listAssistants", [])
        exchange, result = redactor.exchange(raw), redactor.result(raw_result)
        out["cassette"] = serialize_interaction(interaction(exchange, result, "https://api.openai.com")).decode()
        out["per-flow line"] = _path(exchange.request.url) + "".join(
            f"\n  {v.severity.value} {v.code} {v.pointer or '/'}: {v.message}" for v in result.violations
        )
        for form, (e, r) in {"redacted": (exchange, result), "raw": (raw, raw_result)}.items():
            summary = Summary(documented={"v2": {}}).extend([(e, r)])
            out |= _reports(f"{form} report", summary)
    if placement.text is not None:
        out["text"] = redactor.text(placement.text)
        failure = CheckFailure(
            "v2", "listAssistants", "scenario.x", placement.text, reproduction=placement.text, url=placement.text
        )
        summary = Summary(documented={"v2": {}}, run={"target": placement.text})
        summary.record_check("v2", "listAssistants", "scenario.x", failure)
        out |= _reports("verify report", summary)
    return out


def _path(url: str) -> str:
    """What the proxy's per-flow line shows of the (redacted) URL: its path and query."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _reports(name: str, summary: Summary) -> dict[str, str]:
    reports = {
        "json": json_report.serialize(summary),
        "junit": junit.serialize(summary),
        "html": html_report.serialize(summary),
        "text": text.render(summary),
    }
    if summary.checks:
        reports["verify text"] = text.render_verify(summary)
    return {f"{name} {kind}": value for kind, value in reports.items()}


def test_the_corpus_has_forty_placements_and_more() -> None:
    assert len(PLACEMENTS) >= 40
    assert len({p.id for p in PLACEMENTS}) == len(PLACEMENTS)


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.id)
def test_no_placement_leaks(placement: Placement) -> None:
    outputs = _outputs(placement)
    # The placement does hold its secret, or it would test nothing.
    raw = placement.text or _raw_text(placement)
    assert leaks(raw, placement.secret), placement.id
    found = {where: leaks(output, placement.secret) for where, output in outputs.items()}
    assert not {where: f for where, f in found.items() if f}, outputs


def _raw_text(placement: Placement) -> str:
    assert placement.exchange is not None
    request, response = placement.exchange.request, placement.exchange.response
    parts = [request.url, *request.headers.values(), (request.body or b"").decode()]
    if response is not None:
        parts += [*response.headers.values(), (response.body or b"").decode()]
    if placement.result is not None:
        parts += [f"{v.message} {v.pointer}" for v in placement.result.violations]
    return "\n".join(parts)


def test_placeholders_are_fixed_and_redacting_again_changes_nothing() -> None:
    redactor = Redactor()
    for placement in PLACEMENTS:
        if placement.text is not None:
            once = redactor.text(placement.text)
            assert redactor.text(once) == once, placement.id
        else:
            assert placement.exchange is not None
            once = redactor.exchange(placement.exchange)
            assert redactor.exchange(once) == once, placement.id
    # The same secret becomes the same placeholder wherever it stands.
    assert redactor.text(f"a {KEY_PROJECT} b") == redactor.text(f"a {KEY_LEGACY} b") == "a sk-REDACTED b"
    assert (
        redactor.url(f"{BASE}/x?token={VALUE}")
        == redactor.url(f"{BASE}/x?token={OPAQUE}")
        == f"{BASE}/x?token=REDACTED"
    )
    assert redactor.text(f"Bearer {JWT}") == redactor.text(f"Bearer {OPAQUE}") == "Bearer sk-REDACTED"
    assert redactor.text(JWT) == redactor.text(JWT_UNSIGNED) == "jwt-REDACTED"


def test_only_the_secret_is_rewritten_in_a_url() -> None:
    url = f"{BASE}/threads/thread_abc/runs?include%5B%5D=step_details.tool_calls%5B%2A%5D&key={VALUE}&limit=2"
    assert Redactor().url(url) == url.replace(VALUE, "REDACTED")


# --- ordinary text -------------------------------------------------------------------------------------------

ORDINARY = [
    "risk-assessment-bot",
    "task-management",
    "disk-usage",
    "ask-me-anything",
    "a desk-sk-drawer and a kiosk-mode-terminal-for-everyone",
    "Bearer instruments",
    "the bearer of bad news",
    "Bearer tokens are sent in the Authorization header",
    "Bearer authentication (also called token authentication)",
    "Bearer-Token-Handling",
    "A BEARER BOND pays its holder.",
    "skeleton",
    "use sk-learn for that",
    "sk-abc is too short, and so is sk-test",
    "org-chart",
    "org-internationalization",
    "the myorg-QQQQQQQQQQQQQQQQQQQQ tenant",
    "projection_matrix",
    "proj_configurationfiles",
    "x_proj_ZZZZZZZZZZZZZZZZZZZZ",
    "eyJmb28iOiJiYXIifQ==",
    "eyJhbGciOiJIUzI1NiJ9",
    "dGhpcyBpcyBqdXN0IGJhc2U2NCwgbm90IGEgdG9rZW4=",
    "heyJude and the greyJacket.eyJxxxxx.yy",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "asst_abc123DEF456ghi789JKL0",
    "thread_jD1dj44APTovq48PCBZACOGV",
    "file-Ab12Cd34Ef56Gh78Ij90Kl12",
    "msg_000000000000000000000042 run_KfVG8fSJg882VHYeewFQ2BHk step_abc call_Xy12 vs_Qw34Er56",
    "gpt-4o-mini-2024-07-18",
    "key=value pairs and token=x in prose",
    "the monkey=happy, tokens=3, sort_key=name",
    "user@example.com wrote to mailto:someone@example.com",
    "https://example.com/path@v2 and http://localhost:8080/v1",
    "Bearer sk-REDACTED",
    "sk-REDACTED org-REDACTED proj_REDACTED jwt-REDACTED",
    '{"text": "caf\\u00e9 na\\u00efve \\u0041BC\\nline"}',
    '{"url": "https://x.io/?a=1\\u0026b=2\\u003cc\\u003e"}',
    '{"usage": {"prompt_tokens": 512, "completion_tokens": 128, "total_tokens": 640}, "max_prompt_tokens": null}',
    'event: thread.message.delta\ndata: {"delta": {"content": [{"text": {"value": "hi"}}]}}\n\n',
    "https://api.openai.com/v1/threads/thread_abc/runs?include%5B%5D=step_details.tool_calls%5B%2A%5D&limit=2",
    "https://api.openai.com/v1/assistants?limit=20&order=desc&after=asst_abc&before=asst_def&keyboard=1&tokens=2",
    'www-authenticate: Bearer realm="api"',
    "Authorization: see the docs",
    "curl -X GET -H 'openai-beta: assistants=v2' -H 'x-request-id: abc123' https://api.openai.com/v1/assistants",
]
ORDINARY_HEADERS = {
    "OpenAI-Beta": "assistants=v2",
    "Content-Type": "application/json",
    "x-ratelimit-remaining-tokens": "149984",
    "x-ratelimit-reset-tokens": "6ms",
    "openai-processing-ms": "57",
    "idempotency-key": "f3a9c2e1-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "x-request-id": "req_0123456789abcdef",
    "www-authenticate": 'Bearer realm="api"',
    "x-stainless-arch": "arm64",
    "openai-poll-after-ms": "1000",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def _big_body() -> bytes:
    messages = [
        {
            "id": f"msg_{i:024d}",
            "object": "thread.message",
            "created_at": 1731000000 + i,
            "thread_id": "thread_jD1dj44APTovq48PCBZACOGV",
            "role": "assistant" if i % 2 else "user",
            "content": [{"type": "text", "text": {"value": f"Message {i}: risk-assessment, café", "annotations": []}}],
            "metadata": {"task-management": "disk-usage"},
        }
        for i in range(150)
    ]
    return json.dumps({"object": "list", "data": messages, "has_more": False}).encode()


def test_the_ordinary_corpus_has_forty_texts_and_more() -> None:
    assert len(ORDINARY) >= 40 and len(set(ORDINARY)) == len(ORDINARY)


@pytest.mark.parametrize("ordinary", ORDINARY)
def test_ordinary_text_is_not_changed_by_a_single_byte(ordinary: str) -> None:
    redactor = Redactor()
    data = ordinary.encode()
    assert redactor.bytes(data) == data
    assert redactor.text(ordinary) == ordinary
    assert redactor.url(ordinary) == ordinary
    exchange = Exchange(
        Request("POST", f"{BASE}/threads", Headers({**ORDINARY_HEADERS, "X-Note": ordinary}), data),
        Response(200, Headers(ORDINARY_HEADERS), data),
    )
    assert redactor.exchange(exchange) == exchange
    violation = Violation("request.body.schema", ordinary, Side.REQUEST, pointer=f"/metadata/{ordinary}")
    assert redactor.result(CheckResult("v2", "createThread", [violation])).violations == [violation]


def test_ordinary_headers_and_a_big_body_come_out_unchanged() -> None:
    body = _big_body()
    exchange = Exchange(
        Request("GET", f"{BASE}/threads/thread_abc/messages?limit=100", Headers(ORDINARY_HEADERS), None),
        Response(200, Headers(ORDINARY_HEADERS), body),
    )
    redacted = Redactor().exchange(exchange)
    assert redacted == exchange and redacted.response is not None and redacted.response.body == body
    escaped_body = json.dumps(json.loads(body)).encode()  # ensure_ascii: every é as \u00e9
    assert Redactor().bytes(escaped_body) == escaped_body


# --- the proxy: terminal, internal errors, cassette and reports ----------------------------------------------


def test_the_internal_error_line_is_redacted(contract, monkeypatch, caplog) -> None:
    def broken(f):
        raise ValueError(f"cannot read {f.request.pretty_url} with {JWT}")

    monkeypatch.setattr(addons, "request_from_flow", broken)
    check = addons.ContractCheck(contract)
    with taddons.context(check):
        path = f"/v1/threads/{KEY_PROJECT}?api_key={VALUE}"
        f = tflow.tflow(req=tutils.treq(method=b"GET", path=path.encode(), host="api.openai.com", port=443))
        check.request(f)
    assert "internal error" in caplog.text and "ValueError" in caplog.text
    assert "/v1/threads/sk-REDACTED?api_key=REDACTED" in caplog.text
    for secret in (KEY_PROJECT, VALUE, JWT):
        assert not leaks(caplog.text, secret), caplog.text


def _send_secrets(base: str) -> None:
    headers = {**V2, "Authorization": f"Bearer {SECRET_KEY}", "OpenAI-Organization": SECRET_ORG}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        client.get(f"/v1/assistants?limit=2&api_key={SECRET_KEY}")  # a secret query parameter
        client.get(f"/v1/assistants/{SECRET_KEY}?token={SECRET_KEY}")  # a key in a path segment: a 4xx
        client.post("/v1/threads", json={"metadata": SECRET_KEY})  # not an object: the violation quotes it
        client.post(f"/v1/threads?key={SECRET_KEY}", json={"metadata": {"note": f"org {SECRET_ORG}"}})


def _assert_no_secret_anywhere(folder: Path, proxy_output: str) -> None:
    assert list(folder.rglob("*.yaml")), "no cassette was written"
    report = json.loads(next(folder.rglob("report.json")).read_text())
    assert report["exchanges"] == 4 and report["violations"], report
    assert "/v1/assistants/sk-REDACTED?token=REDACTED" in proxy_output, proxy_output  # the per-flow line
    assert "request.body.schema" in proxy_output  # a violation line, its message redacted
    leaked = scan_for_secrets([folder], [SECRET_KEY, SECRET_KEY[8:], SECRET_ORG])
    assert not leaked, leaked
    # A fragment, not the whole: a line cut to the terminal's width (mitmdump's listing) still leaks its start.
    assert SECRET_KEY[8:16] not in proxy_output and SECRET_ORG not in proxy_output


@pytest.mark.skipif(not MITMDUMP.exists(), reason="mitmproxy is not installed next to the interpreter")
def test_assistants_contract_proxy_prints_and_writes_no_secret(contract, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "proxy.log"
    with serve(create_app("stateful", contract=contract)) as server, open(log, "wb") as out:
        command = [sys.executable, "-m", "assistants_contract", "proxy", "--upstream", server.root]
        command += ["--listen-port", str(port), "--record", str(tmp_path / "rec"), "--report", str(tmp_path / "rep")]
        env = {**os.environ, "HOME": str(tmp_path)}  # mitmproxy's CA goes into ~/.mitmproxy
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_listening(port, proc, "the proxy", log.read_text)
            _send_secrets(f"http://127.0.0.1:{port}")
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(30) == 1, log.read_text()  # 1: the secrets sit in requests that break the contract
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    _assert_no_secret_anywhere(tmp_path, log.read_text())


@pytest.mark.skipif(not MITMDUMP.exists(), reason="mitmdump is not installed next to the interpreter")
def test_mitmdump_with_the_addon_prints_and_writes_no_secret(contract, tmp_path: Path) -> None:
    # mitmdump as the README runs it: its own flow listing, which would print every URL as sent, is turned off by
    # the addon.
    with serve(create_app("stateful", contract=contract)) as server:
        with mitm(server.root, tmp_path) as proxy:
            _send_secrets(proxy.url)
            assert proxy.stop() == 0, proxy.output()
    _assert_no_secret_anywhere(tmp_path, Path(proxy.log.name).read_text())


# --- verify --------------------------------------------------------------------------------------------------


def test_verify_does_not_print_the_password_of_a_url_it_cannot_reach(tmp_path: Path) -> None:
    closed = free_port()
    url = f"http://alice:{PASSWORD}@127.0.0.1:{closed}/v1"
    command = [sys.executable, "-m", "assistants_contract", "verify", "--url", url, "--phases", "scenarios"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2, completed.stderr
    assert f"alice:REDACTED@127.0.0.1:{closed}" in completed.stderr
    assert PASSWORD not in completed.stdout + completed.stderr
