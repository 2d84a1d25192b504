"""The data everything else passes around: exchanges in, violations out."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "CheckResult",
    "Exchange",
    "Headers",
    "Request",
    "Response",
    "Severity",
    "Side",
    "Violation",
]


class Severity(enum.StrEnum):
    """How bad a violation is. Only errors make `lint` exit 1 or the proxy's `block` policy act."""

    ERROR = "error"
    WARNING = "warning"


class Side(enum.StrEnum):
    REQUEST = "request"
    RESPONSE = "response"


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only header map. Repeated headers are joined with ", " as HTTP allows."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        merged: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        self._items = merged

    @classmethod
    def _lowered(cls, items: dict[str, str]) -> Headers:
        """Headers that take `items` as they are: names already lower-case, repeats already joined. For readers
        that build that dict anyway (`sources/cassette_lines.py`), to skip doing it twice; the dict is not copied."""
        headers = cls.__new__(cls)
        headers._items = items
        return headers

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"

    def media_type(self) -> str | None:
        """The content type without parameters, lower-cased (`application/json`), or None."""
        value = self._items.get("content-type")
        if value is None:
            return None
        return value.split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request. `url` may be absolute or just a path with a query; `body` is decoded of any
    content-encoding (adapters take care of that)."""

    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response. `body` is decoded like a request's; None means the body is not known (the exchange
    was cut off, or a stream is checked event by event), so only the status and headers are checked."""

    status: int
    headers: Headers = field(default_factory=Headers)
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and, if there was one, its response, from any source. `source` (a file name) and `index`
    (the position in it) say where it came from, so a report can point back at it."""

    request: Request
    response: Response | None = None
    source: str | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where an exchange breaks the contract.

    `pointer` is a JSON pointer into the part of the message that `code` names: the JSON body for
    `*.body.*` codes, the parameters of that kind (`/limit`, `/openai-beta`) for parameter and header codes,
    and the list of events (`/3/data/status`) for `stream.*` codes. `schema_location` is where in the contract
    document the broken rule lives (`assistants-v2.yaml#/components/schemas/RunObject/properties/status`).
    """

    code: str
    message: str
    side: Side
    severity: Severity = Severity.ERROR
    operation_id: str | None = None
    pointer: str = ""
    schema_location: str | None = None

    @property
    def described(self) -> str:
        """The violation in one line, as every report and log line says it: `code at pointer: message`."""
        return f"{self.code} at {self.pointer or '/'}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "side": self.side.value,
            "operation_id": self.operation_id,
            "pointer": self.pointer,
            "schema_location": self.schema_location,
            "message": self.message,
        }


@dataclass(slots=True)
class CheckResult:
    """What checking one exchange found. `operation_id` is None when no operation matched."""

    version: str
    operation_id: str | None
    violations: list[Violation]

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors
