"""`Contract`: both versions' documents and the one question everything asks of them.

    contract = Contract.load()                  # both bundled documents, compiled once
    result = contract.check(exchange)           # CheckResult(version, operation_id, violations)

Adapters that see a request before its response (the proxy) use the steps separately:

    match = contract.match(request)             # version + operation, routing violations
    contract.check_request(match)               # list[Violation]
    stream = contract.stream_check(match)       # feed(chunk) / finish() for text/event-stream bodies
    contract.check_response(match, response)

Nothing here does I/O after loading, reads a clock or global options, or raises for anything in the traffic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._exceptions import ContractError
from .._models import CheckResult, Exchange, Request, Response, Side, Violation
from . import checks
from ._json import loads
from .checks import Match, body_violations, violation
from .document import STREAM_MEDIA_TYPE, ContractDocument, bundled_contract_path
from .sse import SSEEvent, SSEParser

__all__ = ["Contract", "StreamCheck", "VERSIONS"]

VERSIONS = ("v1", "v2")
_BETA_HEADER = "openai-beta"


class Contract:
    def __init__(self, documents: Iterable[ContractDocument], default_version: str = "v2") -> None:
        self.documents: dict[str, ContractDocument] = {d.version: d for d in documents}
        if default_version not in self.documents:
            raise ContractError(
                f"default version {default_version!r} has no document; loaded: {', '.join(sorted(self.documents))}"
            )
        self.default_version = default_version

    @classmethod
    def load(
        cls,
        default_version: str = "v2",
        paths: Mapping[str, str | Path] | None = None,
        prefixes: tuple[str, ...] = ("/v1",),
    ) -> Contract:
        """Load and compile the contract documents: the bundled ones, or `paths` (version -> file)."""
        if default_version not in VERSIONS and not (paths and default_version in paths):
            raise ContractError(f"unknown API version {default_version!r}; choose one of {', '.join(VERSIONS)}")
        sources = paths or {v: bundled_contract_path(v) for v in VERSIONS}
        documents = [ContractDocument.from_path(p, prefixes=prefixes) for p in sources.values()]
        return cls(documents, default_version)

    # --- the steps ----------------------------------------------------------------------------------------

    def match(self, request: Request) -> Match:
        """Pick the document from the `OpenAI-Beta` header and the operation from method and path."""
        found: list[Violation] = []
        document = self._document_for(request, found)
        path = _path_of(request.url)
        route = document.router.match(request.method, path)
        operation = document.operations.get(route.operation_id) if route.operation_id else None
        result = Match(request, document, operation, dict(route.path_params), found, route.allowed)
        if route.route is None:
            found.append(
                violation(
                    "path.undocumented",
                    f"no {document.version} operation has the path {path}",
                    Side.REQUEST,
                    pointer=path,
                )
            )
        elif operation is None:
            found.append(
                violation(
                    "method.undocumented",
                    f"{request.method.upper()} is not documented for {route.route.template}"
                    f" (documented: {', '.join(route.allowed)})",
                    Side.REQUEST,
                    pointer=path,
                )
            )
        if operation is not None:
            result.violations = [replace(v, operation_id=operation.operation_id) for v in found]
        return result

    def check_request(self, match: Match) -> list[Violation]:
        found = list(match.violations)
        if match.operation is None:
            return found
        for check in checks.REQUEST_CHECKS.values():
            found.extend(check(match))
        return self._hints(match, found)

    def check_response(self, match: Match, response: Response) -> list[Violation]:
        """Check a response. A `text/event-stream` body that is present is checked event by event too."""
        if match.operation is None:
            return []
        found: list[Violation] = []
        for check in checks.RESPONSE_CHECKS.values():
            found.extend(check(match, response))
        if response.body is not None and response.headers.media_type() == STREAM_MEDIA_TYPE:
            if STREAM_MEDIA_TYPE in (match.operation.response_media(response.status) or {}):
                stream = self.stream_check(match)
                found.extend(stream.feed(response.body))
                found.extend(stream.finish())
        return found

    def stream_check(self, match: Match) -> StreamCheck:
        return StreamCheck(match)

    def check(self, exchange: Exchange) -> CheckResult:
        match = self.match(exchange.request)
        found = self.check_request(match)
        if exchange.response is not None:
            found.extend(self.check_response(match, exchange.response))
        return CheckResult(match.version, match.operation_id, found)

    # --- helpers ------------------------------------------------------------------------------------------

    def _document_for(self, request: Request, found: list[Violation]) -> ContractDocument:
        header = request.headers.get(_BETA_HEADER)
        default = self.documents[self.default_version]
        if header is None:
            found.append(
                violation(
                    "request.header.missing",
                    f"no 'OpenAI-Beta' header; the API answers 400 invalid_beta. Checked as {default.beta_header}",
                    Side.REQUEST,
                    pointer="/openai-beta",
                )
            )
            return default
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            if name.strip().lower() == "assistants":
                document = self.documents.get(value.strip())
                if document is not None:
                    return document
        known = " or ".join(f"'{d.beta_header}'" for d in self.documents.values())
        found.append(
            violation(
                "request.header.invalid",
                f"'OpenAI-Beta: {header}' names no known Assistants version (expected {known});"
                f" checked as {default.beta_header}",
                Side.REQUEST,
                pointer="/openai-beta",
            )
        )
        return default

    def _hints(self, match: Match, found: list[Violation]) -> list[Violation]:
        """Say so when an unknown request argument is one the other version accepts at that very place:
        the v1 -> v2 migration case (`file_ids` on a v2 message, `tool_resources` on a v1 assistant)."""
        unknown = [v for v in found if v.code == "request.body.unknown_property"]
        if not unknown or match.operation is None:
            return found
        try:
            body = match.json_body()
        except ValueError:
            return found
        hints: dict[str, str] = {}
        for other in self.documents.values():
            operation = other.operations.get(match.operation.operation_id)
            if other is match.document or operation is None:
                continue
            media = match.request.headers.media_type() or ""
            key = operation.body_schemas.get(media) or next(iter(operation.body_schemas.values()), None)
            if key is None:
                continue
            rejected = [e.pointer for e in other.schemas.check(key, body, closed=True)]
            for v in unknown:
                accepted = not any(v.pointer == p or v.pointer.startswith(p + "/") for p in rejected if p)
                if accepted:
                    hints.setdefault(v.pointer, other.beta_header)
        if not hints:
            return found
        told = "said" if not any(v.code.startswith("request.header.") for v in match.violations) else "was checked as"
        return [
            replace(
                v,
                message=f"{v.message} ('{v.pointer.rsplit('/', 1)[-1]}' is an {hints[v.pointer]} argument;"
                f" this request {told} {match.document.beta_header})",
            )
            if v.pointer in hints and v.code == "request.body.unknown_property"
            else v
            for v in found
        ]


class StreamCheck:
    """Checks a `text/event-stream` body incrementally: `feed()` each chunk as it passes, `finish()` at the end.

    Each returns the violations of the events it completed. The checker keeps no copy of the bytes.
    """

    def __init__(self, match: Match) -> None:
        self._match = match
        self._parser = SSEParser()
        self.event_count = 0
        self.done = False
        self._finished = False

    def feed(self, chunk: bytes) -> list[Violation]:
        found: list[Violation] = []
        for event in self._parser.feed(chunk):
            found.extend(self._check_event(event))
        return found

    def finish(self) -> list[Violation]:
        if self._finished:
            return []
        self._finished = True
        found: list[Violation] = []
        for event in self._parser.finish():
            found.extend(self._check_event(event))
        if self._parser.pending:
            found.append(
                violation(
                    "stream.incomplete",
                    f"the stream was cut in the middle of event {self.event_count}",
                    Side.RESPONSE,
                    self._match,
                    f"/{self.event_count}",
                )
            )
        elif not self.done:
            found.append(
                violation(
                    "stream.incomplete",
                    f"the stream ended after {self.event_count} event{'' if self.event_count == 1 else 's'}"
                    " without 'event: done' / 'data: [DONE]'",
                    Side.RESPONSE,
                    self._match,
                    f"/{self.event_count}",
                )
            )
        return found

    def _check_event(self, event: SSEEvent) -> list[Violation]:
        index = self.event_count
        self.event_count += 1
        match = self._match
        document = match.document
        prefix = f"/{index}/data"
        if self.done:
            return [
                violation(
                    "stream.event.schema",
                    f"event {index} ('{event.event}') came after 'done'",
                    Side.RESPONSE,
                    match,
                    f"/{index}",
                )
            ]
        key = document.stream_events.get(event.event)
        if key is None:
            return [
                violation(
                    "stream.event.unknown",
                    f"event {index} has the name '{event.event}', which the {document.version} contract does not know",
                    Side.RESPONSE,
                    match,
                    f"/{index}/event",
                )
            ]
        if event.event == "done":
            self.done = True
        instance: Any
        if event.event in document.raw_string_events:
            instance = event.data
        else:
            try:
                instance = loads(event.data)
            except ValueError as e:
                return [
                    violation(
                        "stream.event.invalid_json",
                        f"event {index} ('{event.event}'): data is not JSON: {e}",
                        Side.RESPONSE,
                        match,
                        prefix,
                    )
                ]
        return list(
            body_violations(
                match,
                Side.RESPONSE,
                key,
                instance,
                area="stream.event",
                prefix=prefix,
            )
        )


def _path_of(url: str) -> str:
    if "://" in url:
        url = url.split("://", 1)[1]
        slash = url.find("/")
        url = url[slash:] if slash != -1 else "/"
    return url.split("?", 1)[0].split("#", 1)[0] or "/"
