"""Find the operation for a method and a concrete path.

Templates are matched segment by segment. When several templates fit (`POST /threads/runs` fits both
`/threads/runs` and `/threads/{thread_id}`), the one with more literal segments wins, whatever the method: a
literal segment names a route, never an id, so `GET /threads/runs` is a method `/threads/runs` does not have
(405), not a thread called `runs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["Route", "Router", "RouteMatch"]


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    segments: tuple[str | None, ...]  # None marks a parameter
    names: tuple[str, ...]
    methods: Mapping[str, str]  # upper-case method -> operation id

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if s is not None)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """`operation_id` is None when the path is known but the method is not (`allowed` then lists the
    methods that are), and `route` is None when no template fits the path at all."""

    route: Route | None
    operation_id: str | None
    path_params: Mapping[str, str]
    allowed: tuple[str, ...] = ()


def _split(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


class Router:
    def __init__(self, routes: Iterable[tuple[str, Mapping[str, str]]], prefixes: Iterable[str] = ("/v1",)) -> None:
        self._by_length: dict[int, list[Route]] = {}
        for template, methods in routes:
            segments = _split(template)
            parsed = tuple(None if s.startswith("{") and s.endswith("}") else s for s in segments)
            names = tuple(s[1:-1] for s in segments if s.startswith("{") and s.endswith("}"))
            route = Route(template, parsed, names, {m.upper(): op for m, op in methods.items()})
            self._by_length.setdefault(len(parsed), []).append(route)
        for routes_of_length in self._by_length.values():
            routes_of_length.sort(key=lambda r: r.literal_count, reverse=True)
        self._prefixes = [tuple(_split(p)) for p in prefixes if _split(p)]

    def match(self, method: str, path: str) -> RouteMatch:
        segments = _split(path)
        for prefix in self._prefixes:
            if tuple(segments[: len(prefix)]) == prefix:
                found = self._match_segments(method.upper(), segments[len(prefix) :])
                if found.route is not None:
                    return found
                break
        return self._match_segments(method.upper(), segments)

    def _match_segments(self, method: str, segments: list[str]) -> RouteMatch:
        for route in self._by_length.get(len(segments), ()):  # most literal segments first
            params = _bind(route, segments)
            if params is None:
                continue
            if method in route.methods:
                return RouteMatch(route, route.methods[method], params)
            return RouteMatch(route, None, params, tuple(sorted(route.methods)))
        return RouteMatch(None, None, {})


def _bind(route: Route, segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    names = iter(route.names)
    for expected, actual in zip(route.segments, segments, strict=True):
        if expected is None:
            params[next(names)] = unquote(actual)
        elif expected != actual:
            return None
    return params
