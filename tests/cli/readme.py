"""The README's fenced blocks and the shell commands in them, read as the tests run them.

Commands live in blocks tagged ``sh``; a command continued with a trailing backslash is
one command, and a ``#`` comment is not part of it. ``prepare`` turns a command into what
``subprocess`` runs: its leading ``NAME=value`` words become environment variables, and
``python``, ``otelscope`` and ``opentelemetry-instrument`` are found on ``PATH`` as a user's
shell finds them, the test's own environment first.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.cli.launches import clean_environment

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHELL = "sh"

_FENCE = re.compile(r"^```(\S*)\s*$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Block:
    section: str  # the nearest "## " heading above it
    language: str  # the fence's info string, "" when untagged
    line: int  # the line of its opening fence (1-based)
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    section: str
    line: int

    @property
    def text(self) -> str:
        """The command as one line, without quotes or comments: the key tests name it by."""
        return " ".join(self.words)

    @property
    def assignments(self) -> dict[str, str]:
        found = {}
        for word in self.words:
            if not _ASSIGNMENT.match(word):
                break
            name, _, value = word.partition("=")
            found[name] = value
        return found

    @property
    def argv(self) -> tuple[str, ...]:
        return self.words[len(self.assignments) :]


def blocks(text: str | None = None) -> list[Block]:
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    found: list[Block] = []
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
        fence = _FENCE.match(line)
        if fence:
            end = index + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            found.append(Block(section, fence.group(1), index + 1, tuple(lines[index + 1 : end])))
            index = end
        index += 1
    return found


def commands(block: Block) -> list[Command]:
    found: list[Command] = []
    pending = ""
    start = 0
    for offset, line in enumerate(block.lines, start=block.line + 1):
        if not pending:
            start = offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        words = shlex.split(pending + line, comments=True)
        pending = ""
        if words:
            found.append(Command(tuple(words), block.section, start))
    return found


def shell_commands(text: str | None = None) -> list[Command]:
    """Every command of the README's ``sh`` blocks, in order."""
    return [
        command for block in blocks(text) if block.language == SHELL for command in commands(block)
    ]


def section_commands(section: str, first_word: str | None = None) -> list[Command]:
    """The commands of one section, or those of its commands that run ``first_word``."""
    return [
        command
        for command in shell_commands()
        if command.section == section and (first_word is None or first_word in command.argv)
    ]


def prepare(command: Command, replacements: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The argument list and environment that run ``command`` as a shell would.

    ``replacements`` swaps whole words (and assigned values) for the test's own:
    ``http://collector:4318`` for a receiver on loopback, ``9fbe`` for a real trace id.
    """
    env = clean_environment()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for name, value in command.assignments.items():
        env[name] = replacements.get(value, value)
    argv = [replacements.get(word, word) for word in command.argv]
    return argv, env
