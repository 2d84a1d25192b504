"""Find exchange files under paths and read each with the adapter its content calls for."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from .._exceptions import SourceError
from .._models import Exchange
from .har import exchanges_from_har
from .vcr_cassette import exchanges_from_cassette_text

__all__ = ["find_files", "read_exchanges"]

SUFFIXES = (".yaml", ".yml", ".json", ".har")


def find_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named directly, and files with a known suffix found under folders, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.exists():
            yield path
        else:
            raise SourceError(f"{path}: no such file or folder")


def read_exchanges(path: str | Path) -> list[Exchange]:
    """Exchanges of one cassette (YAML or JSON) or HAR file, telling them apart by content, not by name."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"{path}: cannot read: {e}") from e
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as e:
            raise SourceError(f"{path}: not valid JSON: {e}") from e
        if isinstance(data, dict) and "log" in data:
            return exchanges_from_har(data, str(path))
    return exchanges_from_cassette_text(text, str(path))
