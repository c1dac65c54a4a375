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
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from otelscope.store.layout import data_files, shared_lock
from otelscope.store.otlp_json_decode import OtlpDecodeError, decode_line
from otelscope.store.records import SpanRecord


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


@dataclass
class _OpenedFile:
    path: Path
    handle: BinaryIO
    size: int


def read_store(directory: Path) -> StoreContents:
    """Read every span of the store at ``directory``; ``StoreNotFound`` if absent."""
    directory = Path(directory)
    if not directory.is_dir():
        raise StoreNotFound(directory)
    contents = StoreContents(directory=directory)
    for opened in _snapshot(directory, contents):
        with opened.handle:
            data = opened.handle.read(opened.size)
        contents.files.append(opened.path)
        _read_lines(opened.path, data, contents)
    return contents


def _snapshot(directory: Path, contents: StoreContents) -> list[_OpenedFile]:
    opened: list[_OpenedFile] = []
    with shared_lock(directory):
        for path in data_files(directory):
            try:
                handle = path.open("rb")
            except OSError as error:
                contents.problems.append(StoreProblem(path, 0, f"cannot open: {error.strerror}"))
                continue
            opened.append(_OpenedFile(path, handle, _size_of(handle)))
    return opened


def _size_of(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def _read_lines(path: Path, data: bytes, contents: StoreContents) -> None:
    lines = data.split(b"\n")
    # After the last newline: empty for a whole file, else a line without its end.
    unterminated = lines.pop()
    for number, line in enumerate(lines, start=1):
        _read_line(path, number, line, contents)
    if unterminated.strip():
        _read_unterminated_line(path, len(lines) + 1, unterminated, contents)


def _read_line(path: Path, number: int, line: bytes, contents: StoreContents) -> None:
    decoded = _decode(line)
    if isinstance(decoded, str):
        contents.problems.append(StoreProblem(path, number, decoded))
    else:
        contents.spans.extend(decoded)


def _read_unterminated_line(path: Path, number: int, line: bytes, contents: StoreContents) -> None:
    """A last line without its newline: whole if it decodes (another producer
    may just omit the final newline), else torn by a writer that stopped."""
    decoded = _decode(line)
    if isinstance(decoded, str):
        reason = f"incomplete last line, no newline at the end of the file ({decoded})"
        contents.problems.append(StoreProblem(path, number, reason))
    else:
        contents.spans.extend(decoded)


def _decode(line: bytes) -> list[SpanRecord] | str:
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
