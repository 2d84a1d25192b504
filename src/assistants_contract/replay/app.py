"""The replay server's HTTP side: a starlette app that hands every request to a `ReplaySession` and sends its
reply; a `text/event-stream` answer goes out event by event, each its own chunk.

    app = create_replay_app("cassettes/", strict=True)   # files or folders of vcrpy cassettes (or HAR files)
    app.state.replay.summary()                            # what the session saw so far

Cassettes recorded against `https://api.openai.com/v1/...` are matched on the path as recorded, `/v1/...`
included, so a client points its base URL at `http://HOST:PORT/v1`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response, StreamingResponse
from starlette.routing import request_response

from .._exceptions import SourceError
from .._models import Exchange, Headers, Request
from ..contract import Contract
from ..record.redact import Redactor
from ..sources import find_files, load_exchanges
from .session import ReplaySession

__all__ = ["Cassettes", "create_replay_app", "load_cassettes", "replay_app"]


@dataclass(frozen=True)
class Cassettes:
    """What was loaded: the files, in the order read, and their interactions in that order."""

    files: tuple[str, ...]
    exchanges: tuple[Exchange, ...]


def load_cassettes(paths: Iterable[str | Path]) -> Cassettes:
    """Read every cassette (vcrpy YAML or JSON, or HAR) named or found under a folder. Raises SourceError, naming
    the file, for one that cannot be read, and when there is nothing to replay."""
    paths = list(paths)
    files = list(find_files(paths))
    if not files:
        raise SourceError(f"no cassette or HAR files found under {', '.join(str(p) for p in paths) or '(no paths)'}")
    exchanges: list[Exchange] = []
    for path in files:
        exchanges.extend(load_exchanges(path))
    if not any(e.response is not None for e in exchanges):
        raise SourceError(f"no recorded interactions to replay in {len(files)} files ({files[0]}, ...)")
    return Cassettes(tuple(str(f) for f in files), tuple(exchanges))


def create_replay_app(
    *paths: str | Path,
    strict: bool = False,
    contract: Contract | None = None,
    api_version: str = "v2",
    redactor: Redactor | None = None,
    log: Callable[[str], None] | None = None,
) -> Starlette:
    """The replay server for the cassettes under `paths`. `strict` answers a request that breaks the contract with
    the API's 400 instead of its recording; `api_version` is the version a request without a usable OpenAI-Beta
    header is checked as (when no `contract` is given); `log` gets one redacted line a request."""
    cassettes = load_cassettes(paths)
    session = ReplaySession(
        cassettes.exchanges,
        contract or Contract.load(default_version=api_version),
        strict=strict,
        cassettes=cassettes.files,
        redactor=redactor,
        log=log,
    )
    return replay_app(session)


def replay_app(session: ReplaySession) -> Starlette:
    """An app that answers from `session` (kept in `app.state.replay`)."""

    async def endpoint(http: StarletteRequest) -> Response:
        body = await http.body()
        # The path as sent, still percent-encoded, as the recording holds it.
        raw_path = http.scope.get("raw_path") or http.url.path.encode()
        query = http.scope.get("query_string", b"")
        url = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        reply = session.handle(Request(http.method, url, Headers(http.headers.items()), body or None))
        headers = dict(reply.headers)
        if reply.events is not None:
            return StreamingResponse(_one_by_one(reply.events), status_code=reply.status, headers=headers)
        return Response(reply.body, status_code=reply.status, headers=headers)

    app = Starlette()
    # Every method and path goes to the one endpoint, as in the reference server: the recordings route.
    app.router.default = request_response(endpoint)
    app.state.replay = session
    return app


async def _one_by_one(events: Sequence[bytes]) -> AsyncIterator[bytes]:
    for event in events:
        yield event  # one chunk; uvicorn writes it to the socket at once
        await asyncio.sleep(0)  # and the next goes out on a later turn of the loop, not coalesced with it
