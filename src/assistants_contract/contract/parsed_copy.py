"""Makes the parsed copies of the bundled contract documents: each YAML document as JSON, beside it, for
`ContractDocument.from_path` to load in well under a millisecond instead of parsing the YAML (tens of
milliseconds a document even with libyaml, most of it PyYAML building the Python objects). Every command loads
both documents as it starts, so that parse was most of a start after the imports.

The YAML stays the one source of truth: a copy records the SHA-256 of the YAML bytes it was made from, and
`from_path` ignores a copy that does not match them, so a stale copy costs time but never changes what is
checked. tests/test_contract_documents.py fails while a bundled copy is stale. After editing a contract:

    .venv/bin/python -m assistants_contract.contract.parsed_copy
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from .document import bundled_contract_path, parse_yaml, parsed_copy_path, yaml_digest
from .engine import VERSIONS

__all__ = ["write_copy"]

COMMAND = "python -m assistants_contract.contract.parsed_copy"


def write_copy(yaml_path: Path, yaml_bytes: bytes, document: Any) -> Path:
    """Write the parsed copy of `document`, parsed from `yaml_bytes`. Refuses a document that JSON cannot hold
    as it is (a YAML date, a number as a key): its copy would load as a different document."""
    copy = {
        "note": f"Made from {yaml_path.name} by `{COMMAND}`. Edit the YAML, not this file.",
        "yaml_sha256": yaml_digest(yaml_bytes),
        "document": document,
    }
    unlike = ValueError(f"{yaml_path}: the document holds values that JSON cannot keep as they are")
    try:
        blob = orjson.dumps(copy, option=orjson.OPT_INDENT_2) + b"\n"
    except orjson.JSONEncodeError as e:
        raise unlike from e
    if orjson.loads(blob)["document"] != document:  # a date comes back as a string, and unequal
        raise unlike
    target = parsed_copy_path(yaml_path)
    target.write_bytes(blob)
    return target


def main() -> None:
    for version in VERSIONS:
        path = bundled_contract_path(version)
        data = path.read_bytes()
        print(write_copy(path, data, parse_yaml(path, data)))


if __name__ == "__main__":
    main()
