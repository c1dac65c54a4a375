"""The summary of ``otelscope run`` says where spans went and what failed, as it
happened: each process reports what every export delivered or lost, as it
happens, and whether it reached its exit."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from otelscope.cli.export_plan import ExportPlan
from otelscope.cli.run_report import STORE, Delivery, RunReport, SpanCounts
from otelscope.cli.summary import Ending, summary_lines
from otelscope.store import read_store
from tests.cli.launches import clean_environment, otelscope

# One trace of two spans, recorded with the plain OpenTelemetry API.
RECORD = (
    "from opentelemetry import trace\n"
    "tracer = trace.get_tracer('app')\n"
    "with tracer.start_as_current_span('work'):\n"
    "    tracer.start_span('part').end()\n"
    "print('recorded')\n"
)
# ... then exported (the batch processor's flush) and killed at once.
RECORD_AND_DIE = (
    RECORD + "trace.get_tracer_provider().force_flush()\nimport os\nos.kill(os.getpid(), 9)\n"
)
VIEW = "; view them with `otelscope show` or `otelscope show --html trace.html`"
ONE_TRACE = "otelscope: 1 trace, 0 agent calls, 0 model calls, 0 tokens in / 0 out, 0 errors\n"


def run_python(directory: Path, source: str, *options: str, **settings: str):
    env = clean_environment(**settings)
    return otelscope("run", *options, sys.executable, "-c", source, cwd=directory, env=env)


def test_spans_saved_in_the_store_are_said_to_be(tmp_path: Path) -> None:
    result = run_python(tmp_path, RECORD)
    store = tmp_path / ".otelscope"
    assert (result.returncode, result.stdout) == (0, "recorded\n")
    assert result.stderr == f"{ONE_TRACE}otelscope: traces saved in {store}{VIEW}\n"
    assert len(read_store(store).spans) == 2


def unwritable_stores(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield "under /proc", Path("/proc/otelscope-store")
    taken = tmp_path / "taken"
    taken.write_text("a file where the store's directory should be\n")
    yield "a file in its place", taken
    if Path("/dev/full").exists():
        # Its active file cannot take a byte: every write fails (ENOSPC), even as root.
        full = tmp_path / "full"
        full.mkdir()
        (full / "traces.jsonl").symlink_to("/dev/full")
        yield "a file that cannot be written", full


def test_a_store_that_cannot_be_written_is_reported_not_claimed(tmp_path: Path) -> None:
    for case, store in unwritable_stores(tmp_path):
        result = run_python(tmp_path, RECORD, "--store", str(store))
        assert (result.returncode, result.stdout) == (0, "recorded\n"), case
        # The store's own warning (with the reason) comes first, from the program.
        assert result.stderr.endswith(
            f"{ONE_TRACE}otelscope: could not save 2 spans in {store}\n"
        ), case
        assert "saved in" not in result.stderr, case


@pytest.fixture
def dead_endpoint() -> Iterator[str]:
    """A loopback port that is bound but not listening: connections are refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"


def test_a_dead_otlp_endpoint_is_reported_not_claimed(tmp_path: Path, dead_endpoint) -> None:
    result = run_python(
        tmp_path,
        RECORD,
        OTEL_EXPORTER_OTLP_ENDPOINT=dead_endpoint,
        # The exporter retries until its timeout: one second keeps the test short.
        OTEL_EXPORTER_OTLP_TIMEOUT="1",
        OTEL_METRICS_EXPORTER="none",
    )
    assert (result.returncode, result.stdout) == (0, "recorded\n")
    assert result.stderr.endswith(
        f"{ONE_TRACE}otelscope: could not export 2 spans to "
        f"{dead_endpoint}/v1/traces (OTLP http/protobuf)\n"
    )
    assert "traces exported" not in result.stderr


def test_a_program_that_never_started_recorded_nothing_and_says_so(tmp_path: Path) -> None:
    result = otelscope("run", sys.executable, "nosuch.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith(
        "nosuch.py': [Errno 2] No such file or directory\n"
        "otelscope: 0 traces, 0 agent calls, 0 model calls, 0 tokens in / 0 out, 0 errors\n"
        "otelscope: no spans were recorded: nothing was saved or exported\n"
    )
    assert not (tmp_path / ".otelscope").exists()


def test_a_killed_program_is_said_to_be_and_what_it_saved_is_told(tmp_path: Path) -> None:
    result = run_python(tmp_path, RECORD_AND_DIE)
    store = tmp_path / ".otelscope"
    assert (result.returncode, result.stdout) == (137, "recorded\n")
    assert result.stderr == (
        "otelscope: the program was killed by signal 9 (SIGKILL) before it could report its "
        "counts; what reached each destination:\n"
        f"otelscope: 1 trace (2 spans) of this run saved in {store}{VIEW}\n"
    )
    assert len(read_store(store).spans) == 2


def test_a_program_killed_before_any_export_saved_nothing(tmp_path: Path) -> None:
    result = run_python(tmp_path, "import os\nos.kill(os.getpid(), 9)\n")
    assert result.returncode == 137
    assert result.stderr == (
        "otelscope: the program was killed by signal 9 (SIGKILL) before it could report its "
        "counts; what reached each destination:\n"
        f"otelscope: no spans were saved in {tmp_path / '.otelscope'}\n"
    )


def test_a_store_that_took_some_spans_and_refused_others() -> None:
    plan = ExportPlan(Path("/s"), None, False, None, False)
    counts = SpanCounts(trace_ids={"a", "b"}, spans=5, agent_calls=1)
    stored = Delivery(STORE, "/s", exported=3, failed=2, error="OSError: full")
    report = RunReport(counts, {stored.key: stored}, started={1}, finished={1})
    assert summary_lines(report, plan, Ending()) == [
        "otelscope: 2 traces, 1 agent call, 0 model calls, 0 tokens in / 0 out, 0 errors",
        f"otelscope: saved 3 of 5 spans in /s; 2 could not be saved: OSError: full{VIEW}",
    ]


def test_a_helper_killed_while_the_program_went_on_is_left_out_and_said_to_be(
    tmp_path: Path,
) -> None:
    helper = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {RECORD_AND_DIE!r}])\n"
    result = run_python(tmp_path, helper)
    store = tmp_path / ".otelscope"
    assert (result.returncode, result.stdout) == (0, "recorded\n")
    assert result.stderr == (
        "otelscope: 1 process of the run did not report its counts (still running, or "
        "killed): the figures leave them out\n"
        "otelscope: 0 traces, 0 agent calls, 0 model calls, 0 tokens in / 0 out, 0 errors\n"
        f"otelscope: 1 trace (2 spans) of this run saved in {store}{VIEW}\n"
    )
