"""The files inside a store directory, and the lock that orders their writers.

- ``traces.jsonl``: the active file; every export appends one line to it.
- ``traces-<UTC time with nanoseconds>Z.jsonl``: rotated files. The fixed-width
  time makes name order equal age order, so readers sort names, not mtimes
  (which a copy or an archive tool may change).
- ``traces.lock``: an empty file whose ``flock`` every writer holds
  exclusively while it appends or rotates, and a reader holds shared while it
  takes its snapshot. A lock on a separate file (rather than on the data file)
  survives the data file being renamed by a rotation.

Spans may hold message content, so what a writer creates is readable by its
owner only (directories 0o700, files 0o600), whatever the umask; what
already exists keeps the mode its owner gave it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ACTIVE_FILE_NAME = "traces.jsonl"
LOCK_FILE_NAME = "traces.lock"
ROTATED_PREFIX = "traces-"
ROTATED_SUFFIX = "Z.jsonl"
_NANOS_PER_SECOND = 1_000_000_000
OWNER_ONLY_DIRECTORY = 0o700
OWNER_ONLY_FILE = 0o600


def make_directory(directory: Path) -> None:
    """Create ``directory`` and the parents it lacks, owner-only."""
    if directory.is_dir():
        return
    if directory.parent != directory:
        make_directory(directory.parent)
    try:
        os.mkdir(directory, OWNER_ONLY_DIRECTORY)
    except FileExistsError:
        if directory.is_dir():
            return  # another writer made it meanwhile
        raise
    # The umask may have taken bits away, even the owner's own.
    os.chmod(directory, OWNER_ONLY_DIRECTORY)


def open_file(path: Path, flags: int) -> int:
    """A descriptor on ``path`` opened with ``flags``; a file this call
    creates is owner-only, an existing one keeps its mode."""
    try:
        descriptor = os.open(path, flags | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    except FileExistsError:
        return os.open(path, flags)
    try:
        os.fchmod(descriptor, OWNER_ONLY_FILE)  # whatever the umask took away
    except OSError:
        os.close(descriptor)
        raise
    return descriptor


def active_file(directory: Path) -> Path:
    return directory / ACTIVE_FILE_NAME


def rotated_files(directory: Path) -> list[Path]:
    """The rotated files of ``directory``, oldest first."""
    names = [
        entry.name
        for entry in os.scandir(directory)
        if entry.name.startswith(ROTATED_PREFIX) and entry.name.endswith(ROTATED_SUFFIX)
    ]
    return [directory / name for name in sorted(names)]


def data_files(directory: Path) -> list[Path]:
    """Every file holding spans, oldest first: rotated files, then the active one."""
    files = rotated_files(directory)
    active = active_file(directory)
    if active.is_file():
        files.append(active)
    return files


def unused_rotated_path(directory: Path, now_ns: int | None = None) -> Path:
    """A rotated-file name for ``now_ns`` not taken yet (moved on by 1 ns if it is)."""
    stamp_ns = time.time_ns() if now_ns is None else now_ns
    while True:
        candidate = directory / _rotated_name(stamp_ns)
        if not candidate.exists():
            return candidate
        stamp_ns += 1


def _rotated_name(stamp_ns: int) -> str:
    seconds, nanos = divmod(stamp_ns, _NANOS_PER_SECOND)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds))
    return f"{ROTATED_PREFIX}{stamp}.{nanos:09d}{ROTATED_SUFFIX}"


@contextmanager
def exclusive_lock(directory: Path) -> Iterator[None]:
    """Hold the store's lock alone (writers); creates the lock file if needed."""
    descriptor = open_file(directory / LOCK_FILE_NAME, os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(descriptor)


@contextmanager
def shared_lock(directory: Path) -> Iterator[None]:
    """Hold the store's lock shared with other readers (no writer meanwhile).

    Without a lock file no writer has run yet, and a read-only store cannot
    gain one; both are read unlocked rather than refused.
    """
    try:
        descriptor = os.open(directory / LOCK_FILE_NAME, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)
