"""Find exchange files under paths and read each with the adapter its content calls for, within `limits`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .._exceptions import SourceError
from .._models import Exchange
from .errors import MISSING, NONE_FOUND, UNREADABLE, UnusableFile
from .har import exchanges_from_har
from .limits import read_text
from .safe_load import load_json
from .vcr_cassette import cassette_interactions, exchange_from_record, exchanges_from_cassette_text

__all__ = ["find_files", "find_inputs", "load_exchanges", "read_exchanges"]

SUFFIXES = (".yaml", ".yml", ".json", ".har")


def find_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named directly, and files with a known suffix found under folders, in a stable order. Raises
    `SourceError` for a path that does not exist."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.exists():
            yield path
        else:
            raise SourceError(f"{path}: no such file or folder")


def find_inputs(paths: Iterable[str | Path]) -> Iterator[Path | UnusableFile]:
    """As `find_files`, but a path that cannot give files (missing, a folder that cannot be listed or holds no
    cassette or HAR file) is an `UnusableFile` in its place, and the other paths are still searched."""
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
                if not found:
                    yield UnusableFile(str(path), NONE_FOUND, "no cassette or HAR files in this folder")
                yield from found
            elif path.exists() or path.is_symlink():
                yield path
            else:
                yield UnusableFile(str(path), MISSING, "no such file or folder")
        except OSError as e:  # a folder that cannot be listed, a path too long for the system
            yield UnusableFile(str(path), UNREADABLE, f"cannot search: {e.strerror or e}")


def read_exchanges(path: str | Path) -> list[Exchange]:
    """Exchanges of one cassette (YAML or JSON) or HAR file, telling them apart by content, not by name. Raises
    `UnusableFile` (a `SourceError`) saying why a file cannot be used."""
    source = str(path)
    text = read_text(path)
    if not text.lstrip().startswith("{"):
        return exchanges_from_cassette_text(text, source)
    data = load_json(text, source)
    if type(data) is dict and "log" in data:
        return exchanges_from_har(data, source)
    return [exchange_from_record(r, source, i) for i, r in enumerate(cassette_interactions(data, source))]


def load_exchanges(path: str | Path) -> list[Exchange]:
    """Every exchange of one file, read the fastest way that gives what vcrpy gives: the proxy's own cassettes a
    line at a time (ten times faster than loading the YAML), any other file, or one that reader does not take on,
    whole (`read_exchanges`), whose reading says what is wrong with a bad one. `lint` does the same a line at a
    time without holding the list."""
    from .cassette_lines import NotLineCassette, exchanges_from_lines, is_line_cassette

    path = Path(path)
    if is_line_cassette(path):
        try:
            return list(exchanges_from_lines(path, str(path)))
        except NotLineCassette:
            pass
    return read_exchanges(path)
