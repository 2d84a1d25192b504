"""Record the bundled cassettes: every tour (`tours.py`) through the proxy, against the reference server in its
deterministic mode, one cassette file a tour (`assistants-contract record-cassettes`, `make cassettes`).

The proxy is the product's own (`assistants-contract proxy`, as a user runs it): it checks each exchange, redacts
it and writes it, with the origin `https://api.openai.com` so clients replay with their default base URL. One
server serves the whole recording, so ids never repeat across files; a proxy of its own records each tour, so
each file holds one tour. The key is made for the recording and redacted anyway. Run twice, the recording gives
the same bytes (a test holds it to that).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from ..proxy.process import ProxyFailed, ProxyProcess
from .tours import TOURS, TourClient, TourFailed

__all__ = ["record_cassettes", "RecordingFailed", "DEFAULT_SEED", "readme"]

DEFAULT_SEED = 1
ORIGIN = "https://api.openai.com"
_AHEAD = 3  # proxies started ahead of their tour


class RecordingFailed(RuntimeError):
    """The recording could not be made (the proxy would not start or stop, or a tour went wrong)."""


def record_cassettes(
    out: Path,
    *,
    seed: int = DEFAULT_SEED,
    say: Callable[[str], None] = print,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Record every tour into `out/<version>/<tour>.yaml` and write `out/README.md`; the files written. `say`
    gets a line per file written, `progress` a line as each tour starts (for a live counter)."""
    from ..server import create_app
    from ..server.threaded import serve_in_thread

    key = "sk-proj-" + secrets.token_hex(24)  # made for this recording, and redacted by the proxy anyway
    plan = [(version, tour) for version in ("v1", "v2") for tour in TOURS if version in tour.versions]
    app = create_app(seed=seed, api_keys=[key])
    with serve_in_thread(app, server_headers=False) as root, tempfile.TemporaryDirectory() as scratch:
        scratches = [Path(scratch) / f"{version}-{tour.name}" for version, tour in plan]
        proxies = [_proxy(root, version, where) for (version, _), where in zip(plan, scratches, strict=True)]
        try:
            for index, ((version, tour), proxy) in enumerate(zip(plan, proxies, strict=True)):
                for ahead in proxies[index : index + _AHEAD]:
                    ahead.start()  # a proxy takes seconds to start: the next ones start while this tour runs
                try:
                    proxy.wait_until_listening()
                except ProxyFailed as e:
                    raise RecordingFailed(str(e)) from None
                progress(f"record-cassettes: tour {index + 1}/{len(plan)}, {version}/{tour.name}")
                with httpx.Client(base_url=proxy.url, timeout=30, trust_env=False) as http:
                    try:
                        tour.drive(TourClient(http, version, key))
                    except TourFailed as e:
                        raise RecordingFailed(f"tour {version}/{tour.name}: {e}") from e
                proxy.interrupt()  # and it takes seconds to stop: the tours go on meanwhile
            written = []
            for (version, tour), proxy, where in zip(plan, proxies, scratches, strict=True):
                target = out / version / f"{tour.name}.yaml"
                _finish(proxy, where, target)
                say(f"recorded {target}")
                written.append(target)
        finally:
            for proxy in proxies:
                proxy.kill()
    readme_path = out / "README.md"
    readme_path.write_text(readme(seed))
    return [*written, readme_path]


def _proxy(upstream: str, version: str, scratch: Path) -> ProxyProcess:
    """The proxy in front of the server, recording one tour into its own folder."""
    options = [
        "--record",
        str(scratch / "cassette"),
        "--record-origin",
        ORIGIN,
        "--policy",
        "pass",  # the errors tour sends wrong requests on purpose: they must reach the server
        "--api-version",
        version,
    ]
    return ProxyProcess(upstream, options, scratch / "proxy.log")


def _finish(proxy: ProxyProcess, scratch: Path, target: Path) -> None:
    """Wait for the proxy to stop, then move its one cassette to `target`."""
    try:
        status = proxy.wait()
    except ProxyFailed as e:
        raise RecordingFailed(str(e)) from None
    recorded = sorted((scratch / "cassette").glob("*.yaml"))
    # 1: it saw contract errors, which the errors tour makes on purpose
    if status not in (0, 1) or len(recorded) != 1:
        raise RecordingFailed(
            f"{target.name}: the proxy exited with {status} and wrote {len(recorded)} cassettes (not one):\n"
            f"{proxy.tail()}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(recorded[0], target)


def readme(seed: int) -> str:
    """cassettes/README.md: what each file holds, from the tours themselves."""
    lines = [
        "# cassettes/",
        "",
        "vcrpy cassettes (format version 1) of every operation of both contracts, recorded through the proxy against",
        f"the reference server in its deterministic mode (seed {seed}) by `make cassettes`",
        "(`assistants-contract record-cassettes`). Do not edit them by hand: change `record/tours.py` and record",
        "again; the same tours give the same bytes, so `git diff` shows only what changed. URLs are",
        f"`{ORIGIN}/v1/...`; the key they were made with is redacted. `make test` lints them against the",
        "current contract (the drift gate).",
        "",
        "| file | holds |",
        "|---|---|",
    ]
    for version in ("v1", "v2"):
        for tour in TOURS:
            if version in tour.versions:
                lines.append(f"| `{version}/{tour.name}.yaml` | {tour.summary} |")
    return "\n".join(lines) + "\n"
