"""The command line: parse arguments, call the library, print, return an exit code. Nothing else lives here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from ._exceptions import ContractError, SourceError
from .contract import VERSIONS, Contract
from .report import Summary, json_report, text
from .sources import find_files, read_exchanges

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNUSABLE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assistants-contract")
def cli() -> None:
    """Contract testing for the OpenAI Assistants API (v1 and v2)."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--api-version",
    type=click.Choice(VERSIONS),
    default="v2",
    show_default=True,
    help="Version to check a request against when it has no usable OpenAI-Beta header.",
)
@click.option("--no-warnings", is_flag=True, help="Leave warnings out of the text report.")
def lint(paths: tuple[str, ...], output_format: str, api_version: str, no_warnings: bool) -> None:
    """Check recorded exchanges against the contract.

    PATHS are vcrpy cassettes (YAML or JSON), HAR files, or folders holding them. Exit status: 0 no errors,
    1 errors found, 2 unusable input.
    """
    try:
        contract = Contract.load(default_version=api_version)
    except ContractError as e:
        click.echo(f"lint: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    summary = Summary.for_contract(contract)
    unusable = 0
    try:
        files = list(find_files(paths))
    except SourceError as e:
        click.echo(f"lint: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    for path in files:
        try:
            exchanges = read_exchanges(path)
        except SourceError as e:
            click.echo(f"lint: {e}", err=True)
            unusable += 1
            continue
        summary.extend((exchange, contract.check(exchange)) for exchange in exchanges)
    if output_format == "json":
        click.echo(json_report.serialize(summary), nl=False)
    else:
        click.echo(text.render(summary, show_warnings=not no_warnings), nl=False)
    if unusable or not files:
        if not files:
            click.echo("lint: no cassette or HAR files found under the given paths", err=True)
        sys.exit(EXIT_UNUSABLE)
    sys.exit(EXIT_VIOLATIONS if summary.errors else EXIT_OK)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--mode",
    type=click.Choice(["stateful", "mock"]),
    default="stateful",
    show_default=True,
    help="stateful: a working Assistants API in memory. mock: stateless, any valid request gets 200.",
)
@click.option(
    "--default-version",
    type=click.Choice(VERSIONS),
    default="v2",
    show_default=True,
    help="Version named in the 400 a request without an OpenAI-Beta header gets.",
)
@click.option(
    "--stream-delay",
    default=0.0,
    show_default=True,
    type=float,
    help="Seconds between streamed events, to watch them arrive one by one.",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    help="Accept only this bearer key (repeatable); others get 401 invalid_api_key. Default: any key.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Make this mistake on purpose (repeatable), to prove a conformance suite catches it. See --list-faults.",
)
@click.option("--list-faults", is_flag=True, help="Print the faults --fault can switch on, one a line, and exit.")
def serve(
    host: str,
    port: int,
    mode: str,
    default_version: str,
    stream_delay: float,
    api_keys: tuple[str, ...],
    faults: tuple[str, ...],
    list_faults: bool,
) -> None:
    """Run the reference server (both API versions, at /v1/... and at the bare paths)."""
    from .server.faults import FAULTS, resolve_faults

    if list_faults:
        name_width = max(len(fault.name) for fault in FAULTS.values())
        kind_width = max(len(fault.kind) for fault in FAULTS.values())
        for fault in FAULTS.values():
            click.echo(f"{fault.name:<{name_width}}  {fault.kind:<{kind_width}}  {fault.summary}")
        return
    try:
        chosen = resolve_faults(faults).names
    except ValueError as e:
        click.echo(f"serve: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)

    import uvicorn

    from .server import create_app

    app = create_app(mode, default_version=default_version, stream_delay=stream_delay, api_keys=api_keys, faults=chosen)
    click.echo(f"assistants-contract {mode} server on http://{host}:{port}/v1 (OpenAI-Beta: assistants=v1|v2)")
    if chosen:
        click.echo(f"faults on: {', '.join(chosen)}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command()
@click.option(
    "--upstream", default=None, help="Base URL to forward to (reverse mode). Default: start the reference server."
)
@click.option("--listen-host", default="127.0.0.1", show_default=True)
@click.option("--listen-port", default=8080, show_default=True, type=int)
@click.option(
    "--mode",
    type=click.Choice(["reverse", "regular"]),
    default="reverse",
    show_default=True,
    help="reverse: clients point their base URL at the proxy. regular: a forward proxy (HTTPS_PROXY).",
)
@click.option(
    "--record",
    "record_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the traffic (redacted) as a vcrpy cassette into this folder.",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write report.json, report.xml (JUnit) and report.html into this folder at exit.",
)
@click.option(
    "--policy",
    type=click.Choice(["pass", "warn", "block"]),
    default="warn",
    show_default=True,
    help="warn: log violations; pass: only report them; block: answer contract-breaking requests with 400.",
)
@click.option(
    "--api-version",
    type=click.Choice(VERSIONS),
    default="v2",
    show_default=True,
    help="Version for requests whose OpenAI-Beta header names none.",
)
@click.option("--redact", multiple=True, help="Extra regular expression to redact from recordings (repeatable).")
def proxy(
    upstream: str | None,
    listen_host: str,
    listen_port: int,
    mode: str,
    record_dir: Path | None,
    report_dir: Path | None,
    policy: str,
    api_version: str,
    redact: tuple[str, ...],
) -> None:
    """Put a checking, recording proxy (mitmproxy with the assistants-contract addons) in front of an app."""
    from .proxy.runner import ProxyConfig, run_proxy

    config = ProxyConfig(
        upstream=upstream,
        listen_host=listen_host,
        listen_port=listen_port,
        mode=mode,
        record_dir=record_dir,
        report_dir=report_dir,
        policy=policy,
        api_version=api_version,
        extra_options={"contract_redact": list(redact)} if redact else {},
    )
    try:
        run_proxy(config, say=click.echo)
    except ContractError as e:
        click.echo(f"proxy: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)


@cli.command()
@click.option(
    "--url", required=True, help="Base URL of the server under test, as an SDK takes it (http://host:port/v1)."
)
@click.option(
    "--api-version",
    type=click.Choice([*VERSIONS, "both"]),
    default="both",
    show_default=True,
    help="Which contract(s) to test the server against.",
)
@click.option("--api-key", default=None, help="Bearer key the server accepts. Default: a made-up key.")
@click.option(
    "--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report."
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML report.")
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=None,
    help="schemathesis cases per operation and phase (default 25; fewer for a quick smoke run).",
)
@click.option("--seed", type=int, default=None, help="Seed for the generated cases (default: random, and printed).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Concurrent requests.")
@click.option(
    "--phases",
    default="examples,coverage,fuzzing,stateful,scenarios",
    show_default=True,
    help="Stages to run, comma-separated: the schemathesis phases and the behaviour scenarios.",
)
def verify(
    url: str,
    api_version: str,
    api_key: str | None,
    junit_path: Path | None,
    json_path: Path | None,
    html_path: Path | None,
    max_examples: int | None,
    seed: int | None,
    workers: int,
    phases: str,
) -> None:
    """Test a server against the contract: schemathesis over every operation, then behaviour scenarios.

    Exit status: 0 the server conforms, 1 failures found, 2 it could not be tested.
    """
    from .conformance import (
        DEFAULT_MAX_EXAMPLES,
        Progress,
        Stage,
        SummaryCollector,
        VerifyOptions,
        bundled_contract,
        execute,
    )
    from .conformance import verify as run_verify
    from .record.cassette import write_atomically
    from .record.redact import Redactor
    from .report import html as html_report
    from .report import junit

    try:
        options = VerifyOptions(
            url,
            versions=VERSIONS if api_version == "both" else (api_version,),
            stages=Stage.parse(phases),
            max_examples=max_examples or DEFAULT_MAX_EXAMPLES,
            workers=workers,
            **({"api_key": api_key} if api_key else {}),
            **({"seed": seed} if seed is not None else {}),
        )
    except ValueError as e:
        click.echo(f"verify: {Redactor().text(str(e))}", err=True)
        sys.exit(EXIT_UNUSABLE)
    contract = bundled_contract()
    collector = SummaryCollector(contract)
    out = click.get_text_stream("stdout")
    execute(run_verify(options, contract), [collector, Progress(out, enabled=out.isatty())])
    if collector.aborted is not None:
        click.echo(f"verify: {Redactor().text(collector.aborted)}", err=True)  # it names the URL and the error
        sys.exit(EXIT_UNUSABLE)
    summary = collector.summary
    for path, serialize in (
        (json_path, json_report.serialize),
        (junit_path, junit.serialize),
        (html_path, html_report.serialize),
    ):
        if path is not None:
            try:
                write_atomically(path, serialize(summary))
            except OSError as e:
                click.echo(f"verify: cannot write {path}: {e.strerror or e}", err=True)
                sys.exit(EXIT_UNUSABLE)
    click.echo(text.render_verify(summary), nl=False)
    sys.exit(EXIT_VIOLATIONS if summary.failed else EXIT_OK)


def main() -> int:
    try:
        cli.main(standalone_mode=True)
    except SystemExit as e:
        return int(e.code or 0)
    return 0
