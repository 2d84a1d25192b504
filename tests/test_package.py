"""The package's public surface and its documentation stay in step."""

import re
import types
from pathlib import Path

import pytest

import assistants_contract
from assistants_contract import CODES, Contract, ContractError, Severity
from assistants_contract.contract.document import ContractDocument

README = Path(__file__).resolve().parents[1] / "README.md"


def test_exported_members_are_exactly_all():
    public = {
        name
        for name in dir(assistants_contract)
        if not name.startswith("_") and not isinstance(getattr(assistants_contract, name), types.ModuleType)
    }
    assert public == set(assistants_contract.__all__)


def test_every_code_is_documented_in_the_readme_with_its_severity():
    rows = dict(re.findall(r"^\| `([a-z_.]+)` \| (error|warning) \|", README.read_text(encoding="utf-8"), re.M))
    assert rows == {code: severity.value for code, (severity, _) in CODES.items()}


def test_codes_are_dotted_and_severities_known():
    for code, (severity, meaning) in CODES.items():
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", code)
        assert isinstance(severity, Severity) and meaning.endswith(".")


def test_bundled_contracts_ship_inside_the_package():
    contract = Contract.load()
    assert {v: len(d.operations) for v, d in contract.documents.items()} == {"v1": 28, "v2": 23}
    for document in contract.documents.values():
        assert Path(document.source).is_relative_to(Path(assistants_contract.__file__).parent)


MINIMAL = """
openapi: 3.1.0
info: {title: t, version: '1', x-openai-beta: assistants=v2}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing: {type: object, properties: {id: {type: string}}}
"""


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("paths: [unclosed", "not valid YAML"),
        ("openapi: 3.1.0\ninfo: {title: t}\n", "no 'paths' mapping"),
        (MINIMAL.replace("x-openai-beta: assistants=v2", "x: y"), "info.x-openai-beta"),
        (MINIMAL.replace("      operationId: listThings\n", ""), "GET /things has no operationId"),
        (MINIMAL.replace("#/components/schemas/Thing", "#/components/schemas/Nope"), "does not compile"),
        (MINIMAL.replace("{type: string}", "{type: 7}"), "does not compile"),
    ],
)
def test_a_bad_contract_file_gets_an_error_naming_the_file(tmp_path, text, says):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ContractError, match=re.escape(says)) as caught:
        ContractDocument.from_path(path)
    assert str(path) in str(caught.value)


def test_a_missing_contract_file_is_a_contract_error(tmp_path):
    with pytest.raises(ContractError, match="cannot read the contract"):
        Contract.load(paths={"v2": tmp_path / "absent.yaml"})


def test_unknown_default_version_lists_the_choices():
    with pytest.raises(ContractError, match="choose one of v1, v2"):
        Contract.load(default_version="v3")


def test_custom_contract_paths_are_used(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINIMAL)
    contract = Contract.load(paths={"v2": path})
    assert list(contract.documents["v2"].operations) == ["listThings"]
