"""The local store holds message content and tool results when capture is
on: what LocalStoreSpanExporter creates is readable by its owner only
(directories 0o700, files 0o600), whatever the process umask. A directory that
already existed is the user's choice and is left as it is."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SpanExportResult

from otelscope.store import LocalStoreSpanExporter, list_traces, read_store
from otelscope.store.index_db import INDEX_FILE_NAME as INDEX
from otelscope.store.otlp_json import encode_line
from tests.store.test_exporter import ROTATED_NAME, batch

OWNER_ONLY_DIRECTORY = 0o700
OWNER_ONLY_FILE = 0o600

# No mask, the common one, the strictest, and masks that take the owner's own
# bits (the store must still be usable by its owner afterwards).
STORE_FILES = ("traces.jsonl", "traces.lock", INDEX)

UMASKS = [0o000, 0o022, 0o077, 0o277, 0o777]


@pytest.fixture(params=UMASKS, ids=[f"umask-{mask:03o}" for mask in UMASKS])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def export_ok(exporter: LocalStoreSpanExporter, number: int) -> None:
    assert exporter.export(batch(number)) is SpanExportResult.SUCCESS


def test_a_new_store_is_owner_only(tmp_path: Path, umask: int) -> None:
    store = tmp_path / "project" / ".otelscope"
    exporter = LocalStoreSpanExporter(store)

    export_ok(exporter, 1)
    export_ok(exporter, 2)

    # The parent it needed is new too: it is made the same way.
    assert (mode_of(store.parent), mode_of(store)) == (OWNER_ONLY_DIRECTORY,) * 2
    # The index's write-ahead log and shared memory exist while a writer has it open.
    assert {path.name: mode_of(path) for path in store.iterdir()} == {
        name: OWNER_ONLY_FILE for name in (*STORE_FILES, f"{INDEX}-wal", f"{INDEX}-shm")
    }
    exporter.shutdown()
    assert {path.name: mode_of(path) for path in store.iterdir()} == {
        name: OWNER_ONLY_FILE for name in STORE_FILES
    }
    # Still readable by its owner, whatever the mask took away.
    assert [record.name for record in read_store(store).spans] == ["step 01", "step 02"]


def test_rotated_and_fresh_active_files_stay_owner_only(tmp_path: Path, umask: int) -> None:
    line_length = len(encode_line(batch(1)))
    exporter = LocalStoreSpanExporter(tmp_path / "store", max_file_bytes=2 * line_length)

    for number in range(1, 6):
        export_ok(exporter, number)

    files = sorted((tmp_path / "store").iterdir())
    rotated = [path for path in files if ROTATED_NAME.fullmatch(path.name)]
    assert len(rotated) == 2
    assert {path.name: mode_of(path) for path in files} == {
        path.name: OWNER_ONLY_FILE for path in files
    }


def test_an_existing_directory_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    store = tmp_path / "shared"
    store.mkdir()
    store.chmod(0o755)

    export_ok(LocalStoreSpanExporter(store), 1)

    assert mode_of(store) == 0o755
    assert {path.name: mode_of(path) for path in store.iterdir() if path.name in STORE_FILES} == {
        name: OWNER_ONLY_FILE for name in STORE_FILES
    }


def test_an_index_made_by_a_reader_is_owner_only(tmp_path: Path, umask: int) -> None:
    (tmp_path / "traces.jsonl").write_bytes(encode_line(batch(1)))

    assert list_traces(tmp_path, 10).total == 1

    assert mode_of(tmp_path / INDEX) == OWNER_ONLY_FILE


def test_an_existing_data_file_keeps_its_mode(tmp_path: Path) -> None:
    """A file made by someone else (or an earlier release) is appended to,
    not taken over: changing its mode is its owner's decision."""
    export_ok(LocalStoreSpanExporter(tmp_path), 1)
    (tmp_path / "traces.jsonl").chmod(0o640)

    export_ok(LocalStoreSpanExporter(tmp_path), 2)

    assert mode_of(tmp_path / "traces.jsonl") == 0o640
    assert [record.name for record in read_store(tmp_path).spans] == ["step 01", "step 02"]
