"""Undo `Content-Encoding` so checks see the body the application meant."""

from __future__ import annotations

import gzip
import zlib

__all__ = ["decode_body"]


def decode_body(body: bytes, encoding: str | None) -> bytes:
    """Decode `body` per a `Content-Encoding` value (`gzip`, `deflate`, `br`, `zstd`, or a comma list).

    Raises ValueError when the bytes do not decode; the caller decides what that means for its source.
    """
    if not encoding or not body:
        return body
    for token in reversed([t.strip().lower() for t in encoding.split(",") if t.strip()]):
        body = _decode_one(body, token)
    return body


def _decode_one(body: bytes, token: str) -> bytes:
    try:
        if token in ("identity", ""):
            return body
        if token in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if token == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
        if token == "br":
            import brotli  # mitmproxy depends on it

            return brotli.decompress(body)
        if token == "zstd":
            import zstandard  # mitmproxy depends on it

            return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    except Exception as e:  # each library raises its own error type for corrupt input
        raise ValueError(f"body does not decode as {token}: {e}") from e
    raise ValueError(f"unknown content-encoding {token!r}")
