"""Bringing the index in line with the data files, and reading what it lacks.

``reconcile`` runs while the store's lock is held (shared by a reader,
exclusive by a writer), so the files it sees are the files there are. It
matches each data file to the index's row for it by identity, not name: a
rotation renames the active file, and its rows follow it. A row whose file
is gone (rotated out), shorter than what was read of it, or whose first bytes
changed (another file got its inode) loses its spans; the file is read anew.

``catch_up`` then reads, without the lock, what each file holds past the
point the index reached, a block of lines per transaction, so the writers'
upkeep and other readers wait for one block at most. Before writing a block
it checks that nobody indexed those bytes meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from otelscope.store.index_db import HEAD_BYTES, FileRow, IndexedLine, TraceIndex
from otelscope.store.reader import StoreProblem, decode_store_line, incomplete_line_reason
from otelscope.store.snapshot import DataFile, Snapshot
from otelscope.store.traces import facts_of

# Lines are read and committed this many bytes at a time (more for a longer line).
BLOCK_BYTES = 4 * 1024 * 1024


@dataclass
class ReadCounts:
    """What was read of the data files (file heads, for identity, aside)."""

    lines_decoded: int = 0
    bytes_read: int = 0


def reconcile(index: TraceIndex, snapshot: Snapshot) -> dict[int, DataFile]:
    """Matches rows to the snapshot's files (adding, renaming, dropping rows);
    the caller holds the store's lock and a transaction."""
    rows = index.file_rows()
    matched: dict[int, DataFile] = {}
    for data_file in snapshot.files:
        head = data_file.read(0, HEAD_BYTES)
        row = next(
            (r for r in rows if r.file_key not in matched and _same_file(r, data_file, head)),
            None,
        )
        name = data_file.path.name
        if row is None:
            matched[index.add_file(name, data_file.device, data_file.inode)] = data_file
            continue
        if row.name != name:
            index.rename_file(row.file_key, name)
        matched[row.file_key] = data_file
    for row in rows:
        if row.file_key not in matched:
            index.drop_file(row.file_key)
    return matched


def _same_file(row: FileRow, data_file: DataFile, head: bytes) -> bool:
    return (
        (row.device, row.inode) == (data_file.device, data_file.inode)
        and row.indexed_bytes <= data_file.size
        and head.startswith(row.head)
    )


def catch_up(
    index: TraceIndex, file_key: int, data_file: DataFile, counts: ReadCounts
) -> StoreProblem | None:
    """Indexes the file's lines past the indexed point; returns the problem
    of a torn last line, which stays unindexed until a newline follows it."""
    row = _row_to_resume(index, file_key, data_file)
    if row is None or row.indexed_bytes >= data_file.size:
        return None
    # An unterminated last line was indexed: the newline that ends it is no line.
    position = row.indexed_bytes + 1 if row.open_tail else row.indexed_bytes
    lines_read = row.indexed_lines
    while position < data_file.size:
        chunk, terminated = _next_chunk(data_file, position, counts)
        if not terminated:
            return _read_tail(
                index,
                row,
                data_file,
                position=position,
                lines_read=lines_read,
                tail=chunk,
                counts=counts,
            )
        lines = _index_lines(chunk, position, lines_read, counts)
        end = position + len(chunk)
        if not _record(index, row, lines, end, data_file):
            return None  # another process read these lines meanwhile
        row = row._replace(indexed_bytes=end, open_tail=False)
        position = end
        lines_read += len(lines)
    return None


def _row_to_resume(index: TraceIndex, file_key: int, data_file: DataFile) -> FileRow | None:
    """The file's row; emptied first if its unterminated last line was
    followed by anything but the newline that ends it (it was rewritten)."""
    row = index.file_row(file_key)
    if row is None or not row.open_tail or row.indexed_bytes >= data_file.size:
        return row
    if data_file.read(row.indexed_bytes, 1) == b"\n":
        return row
    with index.transaction():
        if index.file_row(file_key) == row:
            index.restart_file(file_key)
    return index.file_row(file_key)


def _next_chunk(data_file: DataFile, position: int, counts: ReadCounts) -> tuple[bytes, bool]:
    """Whole lines from ``position`` (at least one), or the unterminated rest."""
    window = BLOCK_BYTES
    while True:
        data = data_file.read(position, min(window, data_file.size - position))
        counts.bytes_read += len(data)
        end = data.rfind(b"\n") + 1
        if end:
            return data[:end], True
        if position + len(data) >= data_file.size:
            return data, False
        window *= 2


def _index_lines(
    chunk: bytes, offset: int, lines_before: int, counts: ReadCounts
) -> list[IndexedLine]:
    lines: list[IndexedLine] = []
    for number, line in enumerate(chunk.split(b"\n")[:-1], start=lines_before + 1):
        lines.append(_index_line(line, offset, len(line) + 1, number, counts))
        offset += len(line) + 1
    return lines


def _index_line(
    line: bytes, offset: int, length: int, number: int, counts: ReadCounts
) -> IndexedLine:
    if not line.strip():
        return IndexedLine(offset, length, number, ())
    counts.lines_decoded += 1
    decoded = decode_store_line(line)
    if isinstance(decoded, str):
        return IndexedLine(offset, length, number, (), decoded)
    return IndexedLine(offset, length, number, [facts_of(span) for span in decoded])


def _read_tail(
    index: TraceIndex,
    row: FileRow,
    data_file: DataFile,
    *,
    position: int,
    lines_read: int,
    tail: bytes,
    counts: ReadCounts,
) -> StoreProblem | None:
    """A last line without its newline: indexed if whole (another producer may
    omit the final newline), else reported each time until it is ended."""
    if not tail.strip():
        return None
    line = _index_line(tail, position, len(tail), lines_read + 1, counts)
    if line.problem is not None:
        return StoreProblem(data_file.path, line.number, incomplete_line_reason(line.problem))
    _record(index, row, [line], data_file.size, data_file, open_tail=True)
    return None


def _record(
    index: TraceIndex,
    row: FileRow,
    lines: list[IndexedLine],
    end: int,
    data_file: DataFile,
    *,
    open_tail: bool = False,
) -> bool:
    head = data_file.read(0, min(end, HEAD_BYTES))
    with index.transaction():
        current = index.file_row(row.file_key)
        if current is None or current.indexed_bytes != row.indexed_bytes:
            return False
        index.record_lines(row.file_key, lines, indexed_bytes=end, head=head, open_tail=open_tail)
    return True


def problems_of(index: TraceIndex, files: dict[int, DataFile]) -> list[StoreProblem]:
    """The unreadable lines the index holds for these files."""
    return [
        StoreProblem(files[file_key].path, line, reason)
        for file_key, line, reason in index.problems()
        if file_key in files
    ]
