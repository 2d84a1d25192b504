"""Every violation code the checking core can report, with its severity and meaning.

Codes are stable: reports, JUnit files and users' filters key on them. Add new ones; never rename. The README's
table of codes is checked against this one by the tests.
"""

from __future__ import annotations

from .._models import Severity

E, W = Severity.ERROR, Severity.WARNING

CODES: dict[str, tuple[Severity, str]] = {
    # Routing
    "path.undocumented": (E, "No operation of the contract has this path."),
    "method.undocumented": (E, "The path exists, but not with this method."),
    # Request
    "request.header.missing": (E, "A required request header is absent (the `OpenAI-Beta` header above all)."),
    "request.header.invalid": (E, "A request header has a value the contract does not allow."),
    "request.auth.missing": (
        W,
        "No `Authorization: Bearer ...` header. The API answers 401; recordings often strip the header on purpose.",
    ),
    "request.path.invalid": (E, "A path parameter breaks its schema."),
    "request.query.invalid": (E, "A query parameter breaks its schema (type, range, enum)."),
    "request.query.unknown": (W, "A query parameter this operation does not document."),
    "request.content_type": (E, "The request body is not sent as `application/json`."),
    "request.body.missing": (E, "The operation requires a body and none was sent."),
    "request.body.invalid_json": (E, "The request body does not parse as JSON."),
    "request.body.too_deep": (E, "The request body nests more than 200 levels of arrays and objects: not judged."),
    "request.body.schema": (E, "The request body breaks its schema (types, required keys, enums, limits)."),
    "request.body.unknown_property": (
        E,
        "The request body has a key the operation does not accept; the API answers 400"
        " `Unrecognized request argument supplied`. Often a v2 field sent as v1 or the reverse.",
    ),
    # Response
    "response.status.undocumented": (E, "The status code is not documented for this operation."),
    "response.content_type": (
        E,
        "The response's content type is not one documented for this status, or an event stream answers a request"
        ' without `"stream": true` (or JSON answers one with it).',
    ),
    "response.header.missing": (E, "A response header the contract requires is absent."),
    "response.body.invalid_json": (E, "The response body does not parse as JSON."),
    "response.body.too_deep": (E, "The response body nests more than 200 levels of arrays and objects: not judged."),
    "response.body.schema": (E, "The response body breaks its schema."),
    "response.missing": (
        E,
        "No response came: the proxy could not reach the upstream, or it closed the connection before answering"
        " (the client got the proxy's 502).",
    ),
    "response.body.unknown_property": (
        W,
        "The response has a key the contract does not know. The API grows, so this is a warning: update the"
        " contract if the key is real.",
    ),
    # Streams
    "stream.event.unknown": (
        W,
        "An event name the contract does not know. Clients are told to ignore unknown events, so a warning.",
    ),
    "stream.event.invalid_json": (E, "An event's `data` does not parse as JSON."),
    "stream.event.schema": (E, "An event's `data` breaks the schema for that event name, or an event follows `done`."),
    "stream.event.unknown_property": (W, "An event's `data` has a key the contract does not know."),
    "stream.incomplete": (E, "The stream ended without `event: done`, or was cut in the middle of an event."),
    # Cassettes (lint, over a file's interactions)
    "cassette.interaction.repeated": (
        W,
        "An interaction's request (method, path, query, JSON body) is the same as an earlier one's in the cassette."
        " A replay plays identical requests in recorded order, so it answers only the n-th identical request;"
        " vcrpy with `allow_playback_repeats=True` never plays it. Polling records these on purpose.",
    ),
}


def severity_of(code: str) -> Severity:
    return CODES[code][0]
