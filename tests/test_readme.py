"""The README and the command line agree: every command and option is documented, and every command line the
README shows names a command and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from assistants_contract.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


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
