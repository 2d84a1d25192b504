"""Adapters: foreign records in, `Exchange`s out. They translate only; checking is the core's job."""

from .errors import UnusableFile
from .files import find_files, find_inputs, load_exchanges, read_exchanges
from .har import exchanges_from_har
from .vcr_cassette import exchanges_from_cassette_text

__all__ = [
    "UnusableFile",
    "exchanges_from_cassette_text",
    "exchanges_from_har",
    "find_files",
    "find_inputs",
    "load_exchanges",
    "read_exchanges",
]
