"""A span exporter that appends OTLP/JSON lines to the local store.

Each ``export`` writes its whole batch as one line, with a single ``write`` on
a descriptor opened ``O_APPEND``, while holding the store's exclusive lock
(``layout.exclusive_lock``). Several processes (and threads) can therefore
export into one store at once and every line stays whole. The active file is
opened for each export rather than kept open: another process may have
rotated it meanwhile, and a kept descriptor would go on appending to the
rotated file.

The exporter never raises into the SDK. A file-system error (full disk, the
store path taken by a regular file, no permission) is logged once with the
path and the reason, until an export succeeds again, and the export returns
``FAILURE``.

After each append, still under the lock, the exporter adds its line to the
store's index (``index_upkeep``); that never fails an export.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otelscope.core.guard import report_internal_error
from otelscope.store.index_upkeep import IndexUpkeep
from otelscope.store.layout import (
    active_file,
    exclusive_lock,
    make_directory,
    open_file,
    rotated_files,
    unused_rotated_path,
)
from otelscope.store.otlp_json import encode_line

logger = logging.getLogger("otelscope.store")

DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
# With the default size, at most 9 x 32 MiB = 288 MiB of spans are kept.
DEFAULT_MAX_ROTATED_FILES = 8


class LocalStoreSpanExporter(SpanExporter):
    """Append spans to ``directory/traces.jsonl``, rotating by size.

    When appending a line would take the active file past ``max_file_bytes``,
    the file is renamed to ``traces-<UTC time>Z.jsonl`` first, and the oldest
    rotated files beyond ``max_rotated_files`` are deleted. A single line
    larger than the bound still gets written, alone in a fresh file.
    """

    def __init__(
        self,
        directory: Path,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_rotated_files: int = DEFAULT_MAX_ROTATED_FILES,
    ) -> None:
        if max_file_bytes < 1:
            raise ValueError(f"max_file_bytes must be positive, not {max_file_bytes}")
        if max_rotated_files < 0:
            raise ValueError(f"max_rotated_files must be 0 or more, not {max_rotated_files}")
        self.directory = Path(directory)
        self.max_file_bytes = max_file_bytes
        self.max_rotated_files = max_rotated_files
        self._shut_down = False
        self._reported_failure: str | None = None
        self._failure_lock = threading.Lock()
        self._index = IndexUpkeep(self.directory)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shut_down:
            return SpanExportResult.FAILURE
        if not spans:
            return SpanExportResult.SUCCESS
        try:
            line = encode_line(spans)
        except Exception:
            report_internal_error(f"encoding {len(spans)} spans for {self.directory}")
            return SpanExportResult.FAILURE
        try:
            self._append(line, spans)
        except OSError as error:
            self._report_failure(error)
            return SpanExportResult.FAILURE
        self._report_recovery()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._shut_down = True
        self._index.close()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        # Every export is written before it returns: nothing is buffered.
        return True

    def _append(self, line: bytes, spans: Sequence[ReadableSpan]) -> None:
        make_directory(self.directory)
        with exclusive_lock(self.directory):
            path = active_file(self.directory)
            size = _size_or_zero(path)
            if size > 0 and size + len(line) > self.max_file_bytes:
                self._rotate(path)
                size = 0
            descriptor = open_file(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
            try:
                # A writer killed mid-line leaves no newline; start a fresh line so
                # only its torn fragment is lost, not this batch too.
                if size > 0 and os.pread(descriptor, 1, size - 1) != b"\n":
                    line = b"\n" + line
                _write_all(descriptor, line)
            finally:
                os.close(descriptor)
            self._index.line_appended(path, size, len(line), spans)

    def _rotate(self, path: Path) -> None:
        os.rename(path, unused_rotated_path(self.directory))
        rotated = rotated_files(self.directory)
        for oldest in rotated[: max(0, len(rotated) - self.max_rotated_files)]:
            oldest.unlink(missing_ok=True)

    def _report_failure(self, error: OSError) -> None:
        where = error.filename or self.directory
        reason = f"{where}: {error.strerror or error}"
        with self._failure_lock:
            if reason == self._reported_failure:
                return
            self._reported_failure = reason
        logger.warning("otelscope: cannot write spans to the store at %s; spans dropped", reason)

    def _report_recovery(self) -> None:
        if self._reported_failure is None:
            return
        with self._failure_lock:
            self._reported_failure = None
        logger.info("otelscope: writing spans to the store at %s again", self.directory)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _write_all(descriptor: int, data: bytes) -> None:
    """One ``write`` in practice; the loop only covers a short write."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
