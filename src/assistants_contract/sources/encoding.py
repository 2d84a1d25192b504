"""Undo `Content-Encoding` so checks see the body the application meant."""

from __future__ import annotations

import gzip
import zlib

__all__ = ["IncrementalDecoder", "decode_body"]


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


class IncrementalDecoder:
    """Decodes a body chunk by chunk (for streamed responses). Unknown or broken encodings give up quietly:
    `failed` turns true and `feed` returns nothing more, since the bytes on the wire are not ours to judge."""

    def __init__(self, encoding: str | None) -> None:
        tokens = [t.strip().lower() for t in (encoding or "").split(",") if t.strip() and t.strip() != "identity"]
        self.failed = False
        self._decoders = [self._make(t) for t in reversed(tokens)]

    def _make(self, token: str):  # noqa: ANN202 - each library has its own decompressor type
        if token in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if token == "deflate":
            return zlib.decompressobj()
        if token == "br":
            import brotli

            return brotli.Decompressor()
        if token == "zstd":
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj()
        self.failed = True
        return None

    def feed(self, chunk: bytes) -> bytes:
        if self.failed:
            return b""
        try:
            for decoder in self._decoders:
                chunk = decoder.process(chunk) if hasattr(decoder, "process") else decoder.decompress(chunk)
        except Exception:  # noqa: BLE001 - corrupt data: stop decoding, keep passing traffic
            self.failed = True
            return b""
        return chunk
