"""The data files of a store as one reader sees them at one moment.

Taken under the store's shared lock (no writer appends or rotates
meanwhile), a snapshot opens every data file and notes its size and identity
(device and inode). Writers append only whole lines and a rotation only
renames, so reading a descriptor up to its noted size gives whole lines even
after the lock is released, the file renamed or deleted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from otelscope.store.layout import data_files, shared_lock


@dataclass(frozen=True)
class DataFile:
    path: Path
    descriptor: int
    size: int
    device: int
    inode: int

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (fewer only at the end of the file)."""
        chunks: list[bytes] = []
        while length > 0:
            chunk = os.pread(self.descriptor, length, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
            length -= len(chunk)
        return b"".join(chunks)


@dataclass
class Snapshot:
    """The files that could be opened, oldest first, and those that could not."""

    files: list[DataFile] = field(default_factory=list)
    unopened: list[tuple[Path, str]] = field(default_factory=list)


def open_data_files(directory: Path) -> Snapshot:
    """Opens every data file of ``directory``; the caller holds a lock and closes them."""
    snapshot = Snapshot()
    for path in data_files(directory):
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as error:
            snapshot.unopened.append((path, f"cannot open: {error.strerror}"))
            continue
        status = os.fstat(descriptor)
        snapshot.files.append(
            DataFile(path, descriptor, status.st_size, status.st_dev, status.st_ino)
        )
    return snapshot


def close_files(snapshot: Snapshot) -> None:
    for data_file in snapshot.files:
        os.close(data_file.descriptor)


@contextmanager
def snapshot_of(directory: Path) -> Iterator[Snapshot]:
    """A snapshot taken under the shared lock, its files closed on leaving."""
    with shared_lock(directory):
        snapshot = open_data_files(directory)
    try:
        yield snapshot
    finally:
        close_files(snapshot)
