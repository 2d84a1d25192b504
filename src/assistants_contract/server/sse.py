"""A server-sent event stream that stops when its client goes away.

Starlette's StreamingResponse notices a disconnect only when its listener task gets to run, and uvicorn's `send`
returns at once when the client is gone, so a stream with nothing else to wait on was written to its end for
nobody. Here the stream gives the loop a turn after every event (or waits `delay` seconds, woken early by a
disconnect), stops at the first event after the client left, and always closes its event generator.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .log import log

__all__ = ["EventStream"]


class EventStream(Response):
    """Sends `(event name, bytes)` pairs from `events` as one `text/event-stream` body; `label` names the stream
    in the log (one debug line per event sent)."""

    media_type = "text/event-stream"

    def __init__(
        self,
        events: AsyncGenerator[tuple[str, bytes], None],
        *,
        label: str,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.events = events
        self.label = label
        self.delay = delay
        self.status_code = 200
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()
        listener = asyncio.ensure_future(_note_disconnect(receive, gone))
        sent = 0
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async for name, chunk in self.events:
                if gone.is_set():
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += 1
                log.debug("stream %s: sent event %s", self.label, name)
                await _pause(gone, self.delay)
            if gone.is_set():
                log.info("stream %s: the client went away after %d events; stopped", self.label, sent)
            else:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.cancel()
            await self.events.aclose()


async def _note_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    # The request body has been read already, so the only message left to come is the disconnect.
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def _pause(gone: asyncio.Event, delay: float) -> None:
    """Give the loop a turn, so a closed socket is seen before the next event; with a delay, wait it out unless
    the client leaves first."""
    if not delay:
        await asyncio.sleep(0)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(gone.wait(), delay)
