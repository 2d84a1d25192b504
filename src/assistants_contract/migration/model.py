"""What a migration check found, as data the sinks render: the JSON report's `migration` section, the text report,
and the HTML report (from `Summary.migration`).

    Migration
     ├── replacements   one per (kind, side, v1 operation, pointer): count, v1 usage, v2 replacement, exchanges
     ├── operations     per v1 operation: exchanges seen, exchanges to change, places found
     └── changes        every exchange to change: file, interaction index, method, URL as recorded, kinds

Pure data, no imports from the rest of the package, so `report/` can hold one without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Change", "Migration", "OperationTally", "Place", "Replacement"]


@dataclass(frozen=True, slots=True)
class Place:
    """An exchange of the traffic: where it was recorded and its request as recorded."""

    source: str | None
    index: int | None
    method: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.source, "index": self.index, "method": self.method, "url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        return cls(data["file"], data["index"], data["method"], data["url"])


@dataclass(slots=True)
class Replacement:
    """One v1-only usage at one place of one operation: how often it was found (`count`), in which exchanges."""

    kind: str
    side: str
    operation_id: str | None
    pointer: str
    v1: str
    v2: str
    codes: list[str] = field(default_factory=list)
    count: int = 0
    exchanges: list[Place] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "side": self.side,
            "operation_id": self.operation_id,
            "pointer": self.pointer,
            "count": self.count,
            "v1": self.v1,
            "v2": self.v2,
            "codes": self.codes,
            "exchanges": [p.to_dict() for p in self.exchanges],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Replacement:
        return cls(
            data["kind"],
            data["side"],
            data["operation_id"],
            data["pointer"],
            data["v1"],
            data["v2"],
            list(data["codes"]),
            data["count"],
            [Place.from_dict(p) for p in data["exchanges"]],
        )


@dataclass(slots=True)
class OperationTally:
    exchanges: int = 0
    to_change: int = 0
    replacements: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """An exchange that needs changing, and the kinds of usage found in it."""

    place: Place
    operation_id: str | None
    kinds: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.place.to_dict(), "operation_id": self.operation_id, "kinds": list(self.kinds)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(Place.from_dict(data), data["operation_id"], tuple(data["kinds"]))


@dataclass(slots=True)
class Migration:
    """The v1 -> v2 check of some traffic. `exchanges` were checked, `v1_exchanges` of them as v1."""

    target: str = "v2"
    exchanges: int = 0
    v1_exchanges: int = 0
    replacements: list[Replacement] = field(default_factory=list)
    operations: dict[str, OperationTally] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "exchanges": self.exchanges,
            "v1_exchanges": self.v1_exchanges,
            "exchanges_to_change": len(self.changes),
            "places": sum(r.count for r in self.replacements),
            "replacements": [r.to_dict() for r in self.replacements],
            "operations": {
                op: {"exchanges": t.exchanges, "to_change": t.to_change, "replacements": t.replacements}
                for op, t in sorted(self.operations.items())
            },
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Migration:
        return cls(
            data["target"],
            data["exchanges"],
            data["v1_exchanges"],
            [Replacement.from_dict(r) for r in data["replacements"]],
            {
                op: OperationTally(t["exchanges"], t["to_change"], t["replacements"])
                for op, t in data["operations"].items()
            },
            [Change.from_dict(c) for c in data["changes"]],
        )

    def redacted(self, text: Callable[[str], str]) -> Migration:
        """A copy with every recorded URL passed through `text` (the summary's redactor)."""

        def place(p: Place) -> Place:
            url = text(p.url)
            return p if url == p.url else replace(p, url=url)

        return replace(
            self,
            replacements=[replace(r, exchanges=[place(p) for p in r.exchanges]) for r in self.replacements],
            changes=[replace(c, place=place(c.place)) for c in self.changes],
        )
