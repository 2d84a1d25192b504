"""How much of a file a reader takes on before it calls the file unusable, and why each bound is where it is.

A cassette or HAR file may come from anywhere (a colleague, a bug report, a fuzzer), so every reader works within
these bounds and refuses a file past one with `UnusableFile`, instead of running out of memory or stack.
"""

from __future__ import annotations

from pathlib import Path

from .errors import TOO_LARGE, UNREADABLE, UnusableFile

__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_NODES",
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "MAX_NESTING",
    "read_text",
]

# A file read whole (YAML through PyYAML, JSON, HAR) costs some ten times its size in Python objects; 64 MB of YAML
# is minutes of parsing already. The proxy's own cassettes are read a line at a time and have no such bound.
MAX_FILE_BYTES = 64 * 2**20
# One interaction line of the proxy's cassettes: a body of tens of MB still fits.
MAX_LINE_BYTES = MAX_FILE_BYTES
# Nesting of a file's own structure (not of the JSON texts it holds as bodies, which the core judges): a cassette
# or HAR file nests six or seven levels; 64 leaves room for anything a person writes by hand.
MAX_NESTING = 64
# YAML aliases (`*name`): vcrpy's dumper writes one where an object is shared, so a few are normal. Past these, a
# file is refused: the count of aliases, and the nodes they stand for when expanded (a "billion laughs" file of
# under 1 KB expands to billions of nodes with a hundred aliases).
MAX_ALIASES = 100
MAX_ALIAS_NODES = 100_000


def read_text(path: str | Path) -> str:
    """The file's text (UTF-8), read no further than `MAX_FILE_BYTES`. Raises `UnusableFile`."""
    path = Path(path)
    try:
        if not path.is_file():
            raise UnusableFile(str(path), UNREADABLE, "not a regular file")
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise UnusableFile(str(path), UNREADABLE, f"cannot read: {e.strerror or e}") from e
    if len(data) > MAX_FILE_BYTES:
        raise UnusableFile(
            str(path), TOO_LARGE, f"larger than the {MAX_FILE_BYTES // 2**20} MB a file read whole may be"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnusableFile(str(path), UNREADABLE, f"not UTF-8 text (byte {e.start})") from e
