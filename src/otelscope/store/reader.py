"""Reading every span back from a store directory.

The reader takes a snapshot under the store's shared lock: it opens every data
file and notes its size, then releases the lock and reads each file up to that
size. Writers append only whole lines under the exclusive lock and a rotation
only renames, so the snapshot holds whole lines even while programs keep
exporting, and the lock is held for a few system calls, not for the reading.

A line that cannot be read is reported as a ``StoreProblem`` (file, line
number, reason) and skipped; it never stops the other lines from being read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from otelscope.store.otlp_json_decode import OtlpDecodeError, decode_line
from otelscope.store.records import SpanRecord
from otelscope.store.snapshot import snapshot_of


class StoreNotFound(Exception):
    """The store directory does not exist."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        super().__init__(
            f"no trace store at {directory}: run a program with `otelscope run` to create one "
            "(or point OTELSCOPE_STORE_DIR at an existing store)"
        )


@dataclass(frozen=True)
class StoreProblem:
    """A line that was skipped; ``line`` is 1-based (0: the whole file)."""

    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class StoreContents:
    """The spans of a store in file order, oldest file first."""

    directory: Path
    files: list[Path] = field(default_factory=list)
    spans: list[SpanRecord] = field(default_factory=list)
    problems: list[StoreProblem] = field(default_factory=list)


def read_store(directory: Path) -> StoreContents:
    """Read every span of the store at ``directory``; ``StoreNotFound`` if absent."""
    directory = Path(directory)
    if not directory.is_dir():
        raise StoreNotFound(directory)
    contents = StoreContents(directory=directory)
    with snapshot_of(directory) as snapshot:
        for path, reason in snapshot.unopened:
            contents.problems.append(StoreProblem(path, 0, reason))
        for data_file in snapshot.files:
            contents.files.append(data_file.path)
            _read_lines(data_file.path, data_file.read(0, data_file.size), contents)
    return contents


def _read_lines(path: Path, data: bytes, contents: StoreContents) -> None:
    lines = data.split(b"\n")
    # After the last newline: empty for a whole file, else a line without its end.
    unterminated = lines.pop()
    for number, line in enumerate(lines, start=1):
        _read_line(path, number, line, contents)
    if unterminated.strip():
        _read_unterminated_line(path, len(lines) + 1, unterminated, contents)


def _read_line(path: Path, number: int, line: bytes, contents: StoreContents) -> None:
    decoded = decode_store_line(line)
    if isinstance(decoded, str):
        contents.problems.append(StoreProblem(path, number, decoded))
    else:
        contents.spans.extend(decoded)


def _read_unterminated_line(path: Path, number: int, line: bytes, contents: StoreContents) -> None:
    """A last line without its newline: whole if it decodes (another producer
    may just omit the final newline), else torn by a writer that stopped."""
    decoded = decode_store_line(line)
    if isinstance(decoded, str):
        contents.problems.append(StoreProblem(path, number, incomplete_line_reason(decoded)))
    else:
        contents.spans.extend(decoded)


def incomplete_line_reason(reason: str) -> str:
    return f"incomplete last line, no newline at the end of the file ({reason})"


def decode_store_line(line: bytes) -> list[SpanRecord] | str:
    """The spans of one line, or the reason it cannot be read."""
    if not line.strip():
        return []
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text at byte {error.start + 1}"
    try:
        return decode_line(text)
    except json.JSONDecodeError as error:
        return f"not valid JSON: {error.msg}: column {error.colno}"
    except OtlpDecodeError as error:
        return f"not an OTLP trace request: {error}"
    except RecursionError:
        return "not readable: nested too deeply"
