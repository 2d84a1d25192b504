"""The reference server: a stateful Assistants API (v1 and v2) that behaves like the real one, and a
stateless mock mode. `create_app()` builds the ASGI app; `assistants-contract serve` runs it with uvicorn."""

from .app import MODES, create_app
from .store import Store

__all__ = ["MODES", "Store", "create_app"]
