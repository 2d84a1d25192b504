"""The reference server: a stateful Assistants API (v1 and v2) that behaves like the real one, and a
stateless mock mode. `create_app()` builds the ASGI app; `assistants-contract serve` runs it with uvicorn.

The names below are imported on first use: the replay server needs only `server.errors`, and importing the
app (starlette, the mock mode, the faults) would add a fifth of a second to its start."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import MODES, create_app
    from .store import Store

__all__ = ["MODES", "Store", "create_app"]

_HOMES = {"MODES": ".app", "create_app": ".app", "Store": ".store"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # looked up once
    return value
