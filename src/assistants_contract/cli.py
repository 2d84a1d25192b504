"""The command line: parse arguments, call the library, print, return an exit code. Nothing else lives here.

What only some commands use (the servers, the proxy, the report formats) is imported inside those commands, so
that each command starts without loading what the others need."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from . import __version__
from ._exceptions import ContractError, SourceError
from .contract import VERSIONS, Contract
from .lint import READERS, lint_files
from .report import Summary, text
from .report.progress import LiveLine
from .report.summary import Unusable
from .sources import UnusableFile, find_files, find_inputs

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNUSABLE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assistants-contract")
def cli() -> None:
    """Contract testing for the OpenAI Assistants API (v1 and v2)."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit", "html"]),
    default="text",
    show_default=True,
    help="html: one self-contained page (violations with their exchanges, coverage), as the proxy writes.",
)
@click.option(
    "--api-version",
    type=click.Choice(VERSIONS),
    default="v2",
    show_default=True,
    help="Version to check a request against when it has no usable OpenAI-Beta header.",
)
@click.option("--no-warnings", is_flag=True, help="Leave warnings out of the text report.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes to check in: the files are spread over them, and a cassette of the proxy's over 16 MB is"
    " checked in pieces. The report is the same for any number.",
)
@click.option(
    "--reader",
    type=click.Choice(READERS),
    default="auto",
    hidden=True,
    help="auto: the proxy's cassettes a line at a time, the rest through vcrpy; vcrpy: every file through vcrpy.",
)
def lint(
    paths: tuple[str, ...], output_format: str, api_version: str, no_warnings: bool, jobs: int, reader: str
) -> None:
    """Check recorded exchanges against the contract, and cassettes for repeated requests.

    PATHS are vcrpy cassettes (YAML or JSON), HAR files, or folders holding them. Exit status: 0 no errors,
    1 errors found, 2 unusable input.
    """
    try:
        contract = Contract.load(default_version=api_version)
    except ContractError as e:
        click.echo(f"lint: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    from .record.redact import Redactor
    from .report import html as html_report
    from .report import json_report, junit

    summary = Summary.for_contract(contract)
    redactor = Redactor()  # an error may quote the file: no secret of it reaches the terminal
    files: list[Path] = []
    for found in find_inputs(paths):  # a missing path or an empty folder is one unusable input, not the end
        if isinstance(found, UnusableFile):
            click.echo(f"lint: {redactor.text(str(found))}", err=True)
            summary.unusable.append(Unusable(found.source, found.reason, found.code))
        else:
            files.append(found)
    progress = LiveLine(click.get_text_stream("stderr"))  # a counter on a terminal, nothing in a CI log
    outcomes = lint_files(files, api_version=api_version, jobs=jobs, reader=reader, contract=contract)
    for done, outcome in enumerate(outcomes, 1):
        if outcome.summary is None:
            progress.clear()
            click.echo(f"lint: {redactor.text(outcome.error or outcome.path)}", err=True)
        outcome.into(summary)
        progress.show(
            f"lint: {done}/{len(files)} files, {summary.exchanges} exchanges, {summary.errors} errors",
            force=done == len(files),
        )
    progress.clear()
    if output_format == "json":
        json_report.write(summary, click.get_text_stream("stdout"))
    elif output_format == "junit":
        click.echo(junit.serialize(summary), nl=False)
    elif output_format == "html":
        click.echo(html_report.serialize(summary), nl=False)
    else:
        click.echo(text.render(summary, show_warnings=not no_warnings), nl=False)
    if summary.unusable:
        sys.exit(EXIT_UNUSABLE)
    sys.exit(EXIT_VIOLATIONS if summary.errors else EXIT_OK)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
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
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Deterministic mode: a clock that moves one second a request and ids from this seed, so the same requests"
    " get the same bytes back (no date header).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Mock mode: refuse contract-breaking requests with the API's 400, as stateful mode does. Default: answer"
    " them anyway, naming what they broke in the x-assistants-contract-violations header and a log line.",
)
def serve(
    host: str,
    port: int,
    mode: str,
    default_version: str,
    stream_delay: float,
    api_keys: tuple[str, ...],
    faults: tuple[str, ...],
    list_faults: bool,
    seed: int | None,
    strict: bool,
) -> None:
    """Run the reference server (both API versions, at /v1/... and at the bare paths).

    Exit status: 0 stopped (Ctrl-C), 2 could not run (the port in use, an unknown fault).
    """
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

    from ._listen import listening_socket
    from .server import create_app
    from .server.log import log_to_stderr

    try:  # bound before the banner: a banner is a promise that the port is ours
        sock = listening_socket(host, port)
    except OSError as e:
        click.echo(f"serve: {e.strerror or e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    app = create_app(
        mode,
        default_version=default_version,
        stream_delay=stream_delay,
        api_keys=api_keys,
        faults=chosen,
        seed=seed,
        strict=strict,
    )
    log_to_stderr()  # mock mode's answered-anyway lines, and streams stopped because the client went
    click.echo(f"assistants-contract {mode} server on http://{shown}:{port}/v1 (OpenAI-Beta: assistants=v1|v2)")
    if chosen:
        click.echo(f"faults on: {', '.join(chosen)}")
    if seed is not None:
        click.echo(f"deterministic: seed {seed}")
    stamped = seed is None  # uvicorn stamps date and server headers
    config = uvicorn.Config(app, log_level="warning", date_header=stamped, server_header=stamped)
    # uvicorn raises Ctrl-C again once it has shut down: that is how serve is meant to stop, not an abort.
    with sock, contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


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
    "--record-origin",
    default=None,
    help="Scheme and host to write in recorded URLs, e.g. https://api.openai.com (default: the upstream's; with"
    " the embedded server, https://api.openai.com), so clients replay with their usual base URL.",
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
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="The least severe finding that makes the exit status 1: error, warning (errors too), or never.",
)
@click.option(
    "--worker-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    hidden=True,
    help="Seconds the checking worker may go without answering before it is replaced (default 20).",
)
def proxy(
    upstream: str | None,
    listen_host: str,
    listen_port: int,
    mode: str,
    record_dir: Path | None,
    record_origin: str | None,
    report_dir: Path | None,
    policy: str,
    api_version: str,
    redact: tuple[str, ...],
    fail_on: str,
    worker_timeout: float | None,
) -> None:
    """Put a checking, recording proxy (mitmproxy with the assistants-contract addons) in front of an app.

    Runs until Ctrl-C (or SIGTERM), then writes the reports and prints the summary. Exit status: 0 no finding
    at the --fail-on level, 1 findings at it (a request without a response counts as an error), 2 could not
    run or lost output (port in use, a report or interactions that could not be written).
    """
    from .proxy.output import SafeStream
    from .proxy.runner import ProxyConfig, ProxyError, run_proxy

    config = ProxyConfig(
        upstream=upstream,
        listen_host=listen_host,
        listen_port=listen_port,
        mode=mode,
        record_dir=record_dir,
        record_origin=record_origin,
        report_dir=report_dir,
        policy=policy,
        api_version=api_version,
        extra_options={
            **({"contract_redact": list(redact)} if redact else {}),
            **({"contract_worker_timeout": worker_timeout} if worker_timeout else {}),
        },
    )
    out, err = SafeStream(sys.stdout), SafeStream(sys.stderr)  # a terminal that went away must not cost the reports
    try:
        outcome = run_proxy(config, out)
    except (ContractError, ProxyError) as e:
        err.say(f"proxy: {e}")
        sys.exit(EXIT_UNUSABLE)
    out.flush()
    if outcome.problems:
        sys.exit(EXIT_UNUSABLE)  # each was logged as an error
    sys.exit(EXIT_VIOLATIONS if outcome.failed(fail_on) else EXIT_OK)


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
    default=None,
    help="Stages to run, comma-separated: the schemathesis phases (examples, coverage, fuzzing, stateful), the"
    " behaviour scenarios, cassettes. Default: examples,coverage,fuzzing,stateful,scenarios; with --cassette,"
    " cassettes only.",
)
@click.option(
    "--cassette",
    "cassettes",
    multiple=True,
    metavar="PATH",
    help="A cassette (vcrpy YAML or JSON, or HAR) or a folder of them (repeatable): send its requests again, in"
    " order, with the ids the server gives, and compare each answer with the recorded one.",
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
    phases: str | None,
    cassettes: tuple[str, ...],
) -> None:
    """Test a server against the contract: schemathesis over every operation, then behaviour scenarios; or, with
    --cassette, the recorded requests of cassettes sent again and the answers compared with the recorded ones.

    Exit status: 0 the server conforms, 1 failures found, 2 it could not be tested (unreachable, no cassette
    found, an unreadable one).
    """
    from .conformance import (
        DEFAULT_MAX_EXAMPLES,
        DEFAULT_STAGES,
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
    from .report import json_report, junit

    try:
        options = VerifyOptions(
            url,
            versions=VERSIONS if api_version == "both" else (api_version,),
            stages=Stage.parse(phases) if phases is not None else (Stage.CASSETTES,) if cassettes else DEFAULT_STAGES,
            cassettes=cassettes,
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


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option(
    "--strict",
    is_flag=True,
    help="Answer a request that breaks the contract with the API's 400 (code contract_violation), not its recording.",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write report.json, report.xml (JUnit) and report.html into this folder at exit.",
)
@click.option(
    "--api-version",
    type=click.Choice(VERSIONS),
    default="v2",
    show_default=True,
    help="Version to check a request against when it has no usable OpenAI-Beta header.",
)
def replay(
    paths: tuple[str, ...], host: str, port: int, strict: bool, report_dir: Path | None, api_version: str
) -> None:
    """Answer HTTP requests from vcrpy cassettes, so a client in any language can run against them.

    PATHS are cassettes (YAML or JSON), HAR files, or folders holding them. Point the client's base URL at
    http://HOST:PORT/v1: requests are matched on method, path (as recorded, /v1 included), query and JSON body.
    The n-th identical request gets the n-th recorded answer; after the last, a read (GET) gets the last one
    again and a write gets a 404. A request with no recording gets a 404 (code no_recorded_interaction) naming
    the closest recorded request and what differs. Every request is checked against the contract; the verdict
    is in the x-assistants-contract header and the log line. Ctrl-C (or SIGTERM) stops it and prints the
    summary: unmatched requests, unused interactions, violations.

    Exit status: 0 every request kept the contract and had a recorded answer, 1 violations or requests without
    an answer, 2 could not run (no cassettes, an unreadable one, the port in use).
    """
    from .record.redact import Redactor
    from .replay.runner import ListenError, ReplayConfig, run_replay

    redactor = Redactor()
    if report_dir is not None:
        try:
            report_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            click.echo(f"replay: cannot make the report folder {report_dir}: {e.strerror or e}", err=True)
            sys.exit(EXIT_UNUSABLE)
    config = ReplayConfig(paths, host=host, port=port, strict=strict, api_version=api_version)
    try:
        summary = run_replay(config, say=click.echo)
    except (SourceError, ContractError, ListenError) as e:
        click.echo(f"replay: {redactor.text(str(e))}", err=True)
        sys.exit(EXIT_UNUSABLE)
    click.echo("\n" + text.render_replay(summary), nl=False)
    if report_dir is not None:
        from .report.files import write_reports  # the report formats, imported once the server has stopped

        try:
            write_reports(summary, report_dir)
        except OSError as e:
            click.echo(f"replay: cannot write the reports to {report_dir}: {e.strerror or e}", err=True)
            sys.exit(EXIT_UNUSABLE)
        click.echo(f"reports in {report_dir}")
    sys.exit(EXIT_VIOLATIONS if summary.failed else EXIT_OK)


@cli.command("record-cassettes")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("cassettes"),
    show_default=True,
    help="Folder for v1/, v2/ and README.md.",
)
@click.option("--seed", type=int, default=None, help="Seed of the reference server's ids (default 1).")
def record_cassettes(out: Path, seed: int | None) -> None:
    """Record the bundled cassettes: every operation of both versions through the proxy, against the reference
    server in its deterministic mode. The same seed gives the same bytes.

    Exit status: 0 recorded, 2 could not record.
    """
    from .record.session import DEFAULT_SEED, RecordingFailed
    from .record.session import record_cassettes as record

    line = LiveLine(click.get_text_stream("stderr"))

    def say(text: str) -> None:
        line.clear()
        click.echo(text)

    try:
        written = record(out, seed=DEFAULT_SEED if seed is None else seed, say=say, progress=line.show)
    except (RecordingFailed, OSError) as e:
        line.clear()
        click.echo(f"record-cassettes: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    click.echo(f"record-cassettes: {len(written) - 1} cassettes in {out}")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "html"]), default="text", show_default=True
)
@click.option(
    "--api-version",
    type=click.Choice(VERSIONS),
    default="v1",
    show_default=True,
    help="Version a request without a usable OpenAI-Beta header was made for.",
)
def migrate(paths: tuple[str, ...], output_format: str, api_version: str) -> None:
    """List what v1 traffic must change to use the v2 API: each v1-only usage (file_ids, the retrieval tool, the
    file endpoints, the beta header, fields v2 answers add or drop) with its v2 replacement and where it was found.

    PATHS are vcrpy cassettes (YAML or JSON), HAR files, or folders holding them, as lint takes. Exit status:
    0 nothing to change, 1 changes needed, 2 unusable input.
    """
    from .migration import migrate_files
    from .migration import text as migration_text
    from .report import html as html_report
    from .report import json_report

    try:
        contract = Contract.load(default_version=api_version)
        files = list(find_files(paths))
    except (ContractError, SourceError) as e:
        click.echo(f"migrate: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    run = migrate_files(files, api_version=api_version, contract=contract)
    for error in run.errors:
        click.echo(f"migrate: {error}", err=True)
    if output_format == "json":
        json_report.write(run.summary, click.get_text_stream("stdout"))
    elif output_format == "html":
        click.echo(html_report.serialize(run.summary), nl=False)
    else:
        click.echo(migration_text.render(run.summary), nl=False)
    if run.errors or not files:
        if not files:
            click.echo("migrate: no cassette or HAR files found under the given paths", err=True)
        sys.exit(EXIT_UNUSABLE)
    migration = run.summary.migration
    sys.exit(EXIT_VIOLATIONS if migration is not None and migration.needed else EXIT_OK)


@cli.group()
def report() -> None:
    """Work with the JSON reports that lint, the proxy, replay and verify write."""


@report.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write report.json, report.xml (JUnit) and report.html into this folder.",
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report.")
@click.option(
    "--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report."
)
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML report.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What to print: the text report, or the merged JSON report.",
)
def report_merge(
    reports: tuple[Path, ...],
    out_dir: Path | None,
    json_path: Path | None,
    junit_path: Path | None,
    html_path: Path | None,
    output_format: str,
) -> None:
    """Combine the JSON reports of several runs (proxies, lint runs, CI shards) into one: coverage summed,
    violations kept with their file, interaction index and input report, totals counted again.

    Exit status: 0 the merged traffic has no errors, 1 errors found, 2 a report could not be read or merged.
    """
    from .record.cassette import write_atomically
    from .report import html as html_report
    from .report import json_report, junit
    from .report.files import write_reports
    from .report.merge import MergeError, merge_reports

    try:
        merged = merge_reports(reports)
    except MergeError as e:
        click.echo(f"report merge: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    try:
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            write_reports(merged, out_dir)
        for path, serialize in (
            (json_path, json_report.serialize),
            (junit_path, junit.serialize),
            (html_path, html_report.serialize),
        ):
            if path is not None:
                write_atomically(path, serialize(merged))
    except OSError as e:
        click.echo(f"report merge: cannot write: {e.strerror or e} ({e.filename or out_dir})", err=True)
        sys.exit(EXIT_UNUSABLE)
    if output_format == "json":
        json_report.write(merged, click.get_text_stream("stdout"))
    else:
        click.echo(text.render(merged), nl=False)
    sys.exit(EXIT_VIOLATIONS if merged.failed else EXIT_OK)


@cli.command("addon-path")
def addon_path() -> None:
    """Print the path of the mitmproxy script that loads the addons: mitmdump -s "$(assistants-contract
    addon-path)" --mode reverse:https://api.openai.com runs them in mitmproxy's own tools."""
    click.echo(Path(__file__).resolve().parent / "proxy" / "mitmdump_addon.py")  # not imported: it makes addons


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for everything the demo makes (emptied first).",
)
def demo(out: Path) -> None:
    """The main job end to end on this machine, no key and no network: the reference server with the proxy in
    front, every operation of v1 and v2 sent through it by the openai client (and a few wrong requests), verify
    against the reference server and a faulty one, the cassette replayed in pytest, and the v1 -> v2 check.

    Exit status: 0 every part came out as expected, 1 one did not, 2 the demo could not run.
    """
    try:
        from .demo.run import DemoFailed, render, run_demo
    except ImportError as e:  # the openai client and pytest come with the `demo` extra
        click.echo(f"demo: {e}; install it with: pip install 'assistants-contract[demo]'", err=True)
        sys.exit(EXIT_UNUSABLE)
    line = LiveLine(click.get_text_stream("stderr"))  # where the demo is, on a terminal; nothing in a CI log
    try:
        outcome = run_demo(out, progress=lambda text: line.show(text, force=True))
    except DemoFailed as e:
        line.clear()
        click.echo(f"demo: {e}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except KeyboardInterrupt:
        line.clear()
        click.echo("demo: interrupted; every process it started is stopped", err=True)
        sys.exit(EXIT_UNUSABLE)
    line.clear()
    click.echo(render(outcome), nl=False)
    sys.exit(EXIT_OK if outcome.as_expected else EXIT_VIOLATIONS)


def main() -> int:
    try:
        cli.main(standalone_mode=True)
    except SystemExit as e:
        return int(e.code or 0)
    return 0
