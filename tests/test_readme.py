"""The README and the command line agree: every command and option is documented, and every command line the
README shows names a command and options that exist."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from assistants_contract.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], click.Command]:
    found: dict[tuple[str, ...], click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(_commands(command, (*prefix, name)))
        else:
            found[(*prefix, name)] = command
    return found


COMMANDS = _commands()


def _options(command: click.Command) -> set[str]:
    return {
        flag
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for flag in param.opts
        if flag.startswith("--")
    }


def test_every_command_and_option_is_in_the_readme():
    missing = []
    for path, command in COMMANDS.items():
        name = " ".join(path)
        if f"assistants-contract {name}" not in README:
            missing.append(name)
        missing += [f"{name} {flag}" for flag in sorted(_options(command)) if flag not in README]
    assert missing == []


def _code_blocks() -> list[str]:
    blocks, current = [], None
    for line in README.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append("\n".join(current) + "\n")
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def _readme_command_lines() -> list[list[str]]:
    """The `assistants-contract ...` command lines of the README's code blocks, continuation lines joined."""
    lines = []
    for block in _code_blocks():
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("assistants-contract "):
                line = re.sub(r"\[([^\]]*)\]", r"\1", line)  # a synopsis: [--opt VALUE] is an option too
                line = line.split(" #", 1)[0].split(" | ", 1)[0]
                lines.append(shlex.split(line.replace("...", "").replace("|", " ")))
    return lines


def test_every_command_line_in_the_readme_names_real_commands_and_options():
    lines = _readme_command_lines()
    assert len(lines) >= 10  # the README shows the commands it documents
    wrong = []
    for argv in lines:
        words = argv[1:]
        path = next((p for p in sorted(COMMANDS, key=len, reverse=True) if tuple(words[: len(p)]) == p), None)
        if path is None:
            wrong.append(" ".join(argv))
            continue
        known = _options(COMMANDS[path]) | {"--help"}
        for word in words[len(path) :]:
            if word.startswith("--") and word.split("=", 1)[0] not in known:
                wrong.append(f"{' '.join(argv)}: {word}")
    assert wrong == []


# The README says what each make target runs; `make -n` prints what it does run. The phrase is quoted from the
# README, the command is the target's recipe without the .venv path.
MAKE_TARGETS = [
    (["demo"], "`make demo` (the same as `{}`", "assistants-contract demo --out demo-output"),
    (["cassettes"], "make cassettes        # = {};", "assistants-contract record-cassettes --out cassettes"),
    (
        ["proxy"],
        "`make proxy` runs `{}`",
        "assistants-contract proxy --record out/cassettes --report out/report --listen-port 8080",
    ),
    (
        ["proxy", "UPSTREAM=https://api.openai.com"],
        "make proxy UPSTREAM=https://api.openai.com\n# the same as: {}",
        "assistants-contract proxy --record out/cassettes --report out/report --listen-port 8080"
        " --upstream https://api.openai.com",
    ),
]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("arguments", "phrase", "command"), MAKE_TARGETS)
def test_what_the_readme_says_a_make_target_runs_is_what_it_runs(arguments: list[str], phrase: str, command: str):
    said = " ".join(phrase.format(command).split())  # the README wraps a long command over lines
    assert said in " ".join(README.replace("\\\n#", " ").split()), said
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    argv = ["make", "-n", "--no-print-directory", "-C", str(ROOT), *arguments]
    recipe = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    runs = " ".join(recipe.replace("\\\n", " ").split()).removeprefix(".venv/bin/")
    assert runs == command
