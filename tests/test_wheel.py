"""What a user installs: the wheel pip builds from this folder holds the contracts and the mitmproxy script, and
`mitmdump -s` with the script of the installed copy checks and reports traffic.

The wheel is installed with `pip install --no-deps --target DIR .` (the README's `pip install` from a path, minus
the dependencies, which this venv has), and that folder is put first on PYTHONPATH, so the installed copy, not
this checkout, is what runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistants_contract.proxy.process import free_port
from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("installed")
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "--target", str(target), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def _env(installed: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(installed)}


def test_the_installed_package_has_the_contracts_and_the_addon_script(installed: Path):
    package = installed / "assistants_contract"
    assert (package / "proxy" / "mitmdump_addon.py").is_file()
    assert {p.name for p in (package / "contracts").glob("*.yaml")} >= {"assistants-v1.yaml", "assistants-v2.yaml"}
    for name in ("assistants-v1.parsed.json", "assistants-v2.parsed.json"):  # what a start loads instead of the YAML
        assert (package / "contracts" / name).read_bytes() == (ROOT / "contracts" / name).read_bytes()
    where = subprocess.run(
        [sys.executable, "-m", "assistants_contract", "addon-path"],
        env=_env(installed),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=installed,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == (package / "proxy" / "mitmdump_addon.py").resolve()


def test_mitmdump_with_the_installed_script_checks_and_reports(installed: Path, tmp_path: Path):
    script = installed / "assistants_contract" / "proxy" / "mitmdump_addon.py"
    reports, port = tmp_path / "reports", free_port()
    with serve_in_thread(create_app()) as root:
        argv = [str(BIN / "mitmdump"), "-q", "-s", str(script), "--mode", f"reverse:{root}", "--listen-host"]
        argv += ["127.0.0.1", "-p", str(port), "--set", f"contract_report_dir={reports}"]
        mitmdump = subprocess.Popen(
            argv, env=_env(installed), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            headers = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer made-up"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}/v1", headers=headers, trust_env=False) as http:
                for _ in range(100):  # until it listens
                    try:
                        answer = http.post("/assistants", json={"model": "gpt-4o", "colour": "blue"})
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                else:
                    pytest.fail(f"mitmdump did not listen: {mitmdump.communicate(timeout=5)[0]}")
            assert answer.status_code == 400
            mitmdump.send_signal(signal.SIGINT)
            output, _ = mitmdump.communicate(timeout=60)
        finally:
            if mitmdump.poll() is None:
                mitmdump.kill()
    report = json.loads((reports / "report.json").read_text())
    assert report["exchanges"] == 1, output
    assert [(v["code"], v["pointer"]) for v in report["violations"]] == [("request.body.unknown_property", "/colour")]


def test_pip_installs_it_from_a_git_url(tmp_path: Path):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git clone")
    target = tmp_path / "from-git"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    url = f"git+file://{ROOT}"  # the committed HEAD, as `pip install git+https://...` takes a remote's
    done = subprocess.run([*pip, "--target", str(target), url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    where = subprocess.run(
        [sys.executable, "-c", "import assistants_contract, sys; print(assistants_contract.__file__)"],
        env=_env(target),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert Path(where.stdout.strip()).is_relative_to(target), where.stderr
    assert (target / "assistants_contract" / "proxy" / "mitmdump_addon.py").is_file()


def test_pipx_installs_the_commands_from_the_path(tmp_path: Path):
    # pipx itself in a venv of its own, then `pipx install PATH` as the README says: a venv with every
    # dependency, and the command on PIPX_BIN_DIR.
    tool = tmp_path / "pipx-tool"
    subprocess.run([sys.executable, "-m", "venv", str(tool)], check=True, timeout=120)
    done = subprocess.run(
        [str(tool / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "pipx"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx-home"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_DEFAULT_PYTHON": str(Path(sys.executable).resolve()),
    }
    done = subprocess.run(
        [str(tool / "bin" / "pipx"), "install", str(ROOT)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    command = tmp_path / "bin" / "assistants-contract"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("assistants-contract, version"), version.stderr
    where = subprocess.run([str(command), "addon-path"], capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "pipx-home") and Path(where.stdout.strip()).is_file()
