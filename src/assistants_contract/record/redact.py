"""Secrets out of everything before it touches disk or the terminal: cassettes, reports, log and error lines,
`verify`'s output and its curl reproductions all go through one `Redactor`.

What counts as a secret:

- headers: `Authorization`, `Proxy-Authorization`, `OpenAI-Organization`, `OpenAI-Project`, `Cookie`,
  `Set-Cookie`, `api-key`, `x-api-key`, and any other whose name has a word such as `token`, `secret`,
  `password`, `auth`, `session`, `cookie` or `api-key` in it (`X-Auth-Token`, `X-Goog-Api-Key`); their values
  become fixed placeholders whatever they hold;
- in any text (URLs, bodies, event data, messages, curl commands): `sk-...` keys (`sk-proj-...` and the like),
  `Bearer` tokens (the whole `Bearer <token>` becomes `Bearer sk-REDACTED`, as in the header), JWTs,
  organisation ids (`org-...`) and project ids (`proj_...`), the value of a query or form parameter with a
  secret name (`?api_key=`, `&token=`, a form body's `access_token=`), and the password in a URL
  (`https://user:password@host`); also when a JSON string writes them with `\\u` escapes;
- in a message or a curl reproduction (`text()`), also the value of a secret header in `-H 'name: value'`.

And what does not: a word that merely contains a prefix (`risk-assessment`, `myorg-...`), a word after "bearer"
that is no credential ("the bearer of bad news", "Bearer instruments"), and base64 that is not a JWT. Nothing
but a secret is rewritten: a body without one comes out byte for byte as it went in.

Placeholders are fixed strings, so a redacted recording still replays: vcrpy matches on method, URL and body,
and the same secret always becomes the same placeholder. Redacting twice changes nothing more.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from .._models import CheckResult, Exchange, Headers, Request, Response

__all__ = ["Redactor", "SECRET_HEADERS", "SECRET_QUERY_PARAMETERS", "header_placeholder"]

SECRET_HEADERS = {
    "authorization": "Bearer sk-REDACTED",
    "proxy-authorization": "REDACTED",
    "openai-organization": "org-REDACTED",
    "openai-project": "proj_REDACTED",
    "cookie": "REDACTED",
    "set-cookie": "REDACTED",
    "api-key": "REDACTED",
    "x-api-key": "REDACTED",
}
# Any other header whose name has one of these words (split at - and _), or one of these pairs of words.
_SECRET_HEADER_WORDS = frozenset(
    {"auth", "authorization", "token", "secret", "password", "passwd", "cookie", "session", "apikey", "credential",
     "credentials", "jwt", "signature"}
)  # fmt: skip
_SECRET_HEADER_PAIRS = frozenset({("api", "key"), ("access", "key"), ("secret", "key"), ("subscription", "key")})

# Query and form parameters whose value is a secret, whatever it looks like. `_` also stands for `-`, and case
# does not matter: `api_key`, `API-KEY` and `Api_Key` are the same name.
SECRET_QUERY_PARAMETERS = (
    "key", "api_key", "apikey", "x_api_key", "api_token", "token", "access_token", "refresh_token", "id_token",
    "auth", "auth_token", "session_token", "authorization", "secret", "client_secret", "password", "passwd",
    "sig", "signature", "jwt",
)  # fmt: skip

# How each kind is found, cheaply: this runs on every recorded flow. The regex engine finds a pattern that
# starts with a literal by a quick scan for it instead of trying the pattern at every position, so every pattern
# starts with one (a left word boundary is a lookbehind after it; sk- and org- share the scan for "-"). And a
# pattern runs only when the body holds its bytes at all: `b"-" in data` is a memchr, 1 us for 48 KB, where a
# pattern's scan takes 20-40 us. Only the bearer form is case-insensitive, which regexes are slow at (0.4 ms on
# 48 KB): it is looked for in a lower-cased copy and each place checked on its own.

# sk-... (at least 20 characters after the dash: real keys have 48 and more) and org-... (16 and more, with an
# upper-case letter or a digit among them, as generated ids have), each only at the start of a word.
_DASHED = re.compile(
    rb"-(?:(?<=sk-)(?<![A-Za-z0-9_]sk-)(?!REDACTED)[A-Za-z0-9_-]{20,}"
    rb"|(?<=org-)(?<![A-Za-z0-9_]org-)(?!REDACTED)(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{16,})"
)
_PROJECT = re.compile(rb"_(?<=proj_)(?<![A-Za-z0-9_]proj_)(?!REDACTED)(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{16,}")
# A JWT: three base64url parts, the first two JSON objects (`{"` is `eyJ`); the signature may be empty.
_JWT = re.compile(rb"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(rb"bearer[ \t]+([A-Za-z0-9._~+/=-]{7,}[A-Za-z0-9_~+/=-])", re.IGNORECASE)
_USERINFO = re.compile(rb"://([^\s/?#@:\"'<>\\]+):(?!REDACTED@)[^\s/?#@\"'<>\\]+@")
_VALUE_END = rb"&\s\"'#<>\\"
_VALUE = rb"(?!(?:Bearer sk-)?REDACTED(?:[" + _VALUE_END + rb"]|\Z))[^" + _VALUE_END + rb"]+"


def _after(where: bytes) -> bytes:
    return b"|".join(
        rb"(?<=" + where + rb"(?i:" + name.encode().replace(b"_", b"[-_]") + rb")=)" for name in SECRET_QUERY_PARAMETERS
    )


# In a query (after ? or &), or a form body (from the start, and then only if it is one: `key=value pairs` is not).
_PARAMETER = re.compile(
    rb"=(?:(?:" + _after(rb"[?&]") + rb")" + _VALUE + rb"|(?:" + _after(rb"\A") + rb")" + _VALUE + rb"(?=&|\Z))"
)
# Text only (messages, reproductions): a curl `-H 'name: value'` whose header is a secret one.
_CURL_HEADER = re.compile(rb"(?<!\S)(-H|--header)(\s+)(['\"]?)([A-Za-z0-9_-]+)(:[ \t]*)([^\r\n]*?)(?=\3(?:\s|\Z))")
# A JSON string may write any character as \uXXXX; secrets are ASCII.
_ASCII_ESCAPE = re.compile(rb"\\u00[0-7][0-9A-Fa-f]")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_DIGITS = frozenset(b"0123456789")


_KNOWN_VALUES = 1024  # header values a Redactor remembers, each at most
_KNOWN_VALUE_LENGTH = 256  # characters long


@functools.lru_cache(maxsize=1024)
def header_placeholder(name: str) -> str | None:
    """What a header's value becomes when the header is a secret one, or None when it is not."""
    lower = name.lower()
    fixed = SECRET_HEADERS.get(lower)
    if fixed is not None:
        return fixed
    words = re.split(r"[-_\s]+", lower)
    pairs = zip(words, words[1:], strict=False)
    if _SECRET_HEADER_WORDS.intersection(words) or _SECRET_HEADER_PAIRS.intersection(pairs):
        return "REDACTED"
    return None


def _credential(token: bytes) -> bool:
    """Whether the word after "Bearer" is a credential rather than a word of prose: it has a digit, a
    separator inside it (`.`, `_`, `~`, `+`, `/`), `=` padding, or mixed case over 16 characters and more."""
    if token == b"sk-REDACTED":
        return False
    if not _DIGITS.isdisjoint(token) or token.endswith(b"="):
        return True
    inner = token[:-1]
    if any(c in inner for c in (b".", b"_", b"~", b"+", b"/")):
        return True
    return len(token) >= 16 and token.lower() != token and token.upper() != token


def _bearer(data: bytes, lower: bytes) -> bytes:
    parts: list[bytes] = []
    done = 0
    at = lower.find(b"bearer")
    while at >= 0:
        match = _BEARER.match(data, at)
        if match and (at == 0 or data[at - 1] not in _WORD_BYTES) and _credential(match.group(1)):
            parts += (data[done:at], b"Bearer sk-REDACTED")
            done = match.end()
            at = lower.find(b"bearer", done)
        else:
            at = lower.find(b"bearer", at + 6)
    return b"".join(parts) + data[done:] if parts else data


def _unescape_ascii(data: bytes) -> bytes:
    return _ASCII_ESCAPE.sub(lambda m: bytes([int(m.group()[2:], 16)]), data)


@dataclass(frozen=True)
class Redactor:
    """Redacts headers, URLs, bodies, texts and check results. `extra` patterns (regular expressions) are
    replaced by `REDACTED` wherever they match in a body, a text or a header value."""

    extra: tuple[str, ...] = ()
    _extra: tuple[re.Pattern[bytes], ...] = field(init=False, repr=False, compare=False)
    # Header values, redacted: most recur on every exchange (accept, user-agent, content-type, the server's).
    _header_values: dict[str, str] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        compiled = []
        for pattern in self.extra:
            try:
                compiled.append(re.compile(pattern.encode()))
            except re.error as e:
                raise ValueError(f"redaction pattern {pattern!r} is not a valid regular expression: {e}") from e
        object.__setattr__(self, "_extra", tuple(compiled))

    def bytes(self, data: bytes | None) -> bytes | None:
        """A body, event data or any bytes, with the secrets in it replaced."""
        if not data:
            return data
        data = self._plain(data)
        if b"\\" in data and _ASCII_ESCAPE.search(data):
            data = self._escaped(data)
        return data

    def _plain(self, data: bytes) -> bytes:
        lower = data.lower()
        if b"bearer" in lower:
            data = _bearer(data, lower)
        if b"=" in data:
            data = _PARAMETER.sub(b"=REDACTED", data)
        if b"-" in data:
            data = _DASHED.sub(b"-REDACTED", data)
        if b"proj_" in data:
            data = _PROJECT.sub(b"_REDACTED", data)
        if b"J" in data:
            data = _JWT.sub(b"jwt-REDACTED", data)
        if b"@" in data:
            data = _USERINFO.sub(rb"://\1:REDACTED@", data)
        for pattern in self._extra:
            data = pattern.sub(b"REDACTED", data)
        return data

    def _escaped(self, data: bytes) -> bytes:
        """`data` with the secrets that \\u escapes hid redacted: only the JSON strings that hold one change
        (they are written again, escaped as json.dumps escapes)."""
        unescaped = _unescape_ascii(data)
        if self._plain(unescaped) == unescaped:
            return data

        def string(match: re.Match[bytes]) -> bytes:
            token = match.group()
            if not _ASCII_ESCAPE.search(token):
                return token
            try:
                value = json.loads(token)
            except ValueError:
                return token
            plain = value.encode("utf-8", "surrogatepass")
            redacted = self._plain(plain)
            return token if redacted == plain else json.dumps(redacted.decode("utf-8", "surrogatepass")).encode()

        data = _JSON_STRING.sub(string, data)
        unescaped = _unescape_ascii(data)
        if self._plain(unescaped) != unescaped:
            return self._plain(unescaped)  # not inside a JSON string: the whole text unescaped, redacted
        return data

    def text(self, text: str) -> str:
        """A message, a log line, a curl command or a URL, with the secrets in it replaced."""
        data = text.encode("utf-8", "surrogateescape")
        redacted = self.bytes(data) or b""
        if b"-H" in redacted or b"--header" in redacted:
            redacted = _CURL_HEADER.sub(_curl_header, redacted)
        return text if redacted == data else redacted.decode("utf-8", "surrogateescape")

    def url(self, url: str) -> str:
        """A URL with its secrets replaced: secret query parameters, keys and ids in the path, a password. Only
        those bytes change; the other parameters keep their order and encoding."""
        return self.text(url)

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        known = self._header_values
        for name, value in headers:
            redacted = header_placeholder(name)
            if redacted is None:
                redacted = known.get(value)
                if redacted is None:
                    redacted = self.text(value)
                    if len(value) <= _KNOWN_VALUE_LENGTH:
                        if len(known) >= _KNOWN_VALUES:
                            known.clear()  # dates and request ids do not recur: start again rather than grow
                        known[value] = redacted
            out.append((name, redacted))
        return out

    def result(self, result: CheckResult) -> CheckResult:
        """The result with secrets out of its messages and pointers: a schema message may quote the value it
        refuses, and a pointer may name a key of a body."""
        violations = [replace(v, message=self.text(v.message), pointer=self.text(v.pointer)) for v in result.violations]
        return replace(result, violations=violations)

    def exchange(self, exchange: Exchange) -> Exchange:
        request = exchange.request
        redacted_request = Request(
            request.method,
            self.url(request.url),
            Headers(self.headers(request.headers.items())),
            self.bytes(request.body),
        )
        response = exchange.response
        redacted_response = None
        if response is not None:
            redacted_response = Response(
                response.status, Headers(self.headers(response.headers.items())), self.bytes(response.body)
            )
        return replace(exchange, request=redacted_request, response=redacted_response)


def _curl_header(match: re.Match[bytes]) -> bytes:
    placeholder = header_placeholder(match.group(4).decode("ascii"))
    if placeholder is None:
        return match.group()
    return b"".join(match.group(1, 2, 3, 4, 5)) + placeholder.encode()
