"""`make bench-store`: `otelscope show` on a full store, timed from outside.

Builds (once, cached under .venv/bench-store) a store at its rotation limits,
8 rotated files of 32 MiB plus the active one, of synthetic agent calls
written through the real `LocalStoreSpanExporter` in the SDK's batches of
512 spans: eight calls in flight at once, each an agent call with two ReAct
rounds, their chat and tool spans, tokens, some message content, one call in
twenty failing. Then runs the list, one trace as a tree and one as a page,
each as a subprocess, and prints their wall time and peak RSS against the
target (0.5 s, 150 MB). The trace shown is one from the oldest file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

from otelscope.store import LocalStoreSpanExporter
from otelscope.store.exporter import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_ROTATED_FILES
from otelscope.store.index_db import INDEX_FILE_NAME
from otelscope.store.layout import rotated_files

CACHE = Path(".venv/bench-store")
STORE_VERSION = "2"  # bump when the generated calls change
TARGET_SECONDS = 0.5
TARGET_MB = 150
BATCH = 512
IN_FLIGHT = 8
RUNS = 3
RESOURCE = Resource({"service.name": "bench-agent", "process.pid": 4242})
SCOPE = InstrumentationScope("otelscope", "0.4.0")
MS = 1_000_000
QUESTION = "What is the weather in Paris this weekend, and should I pack an umbrella? " * 2


def main() -> None:
    options = _options()
    store = options.cache / "store"
    if options.rebuild or not (options.cache / f"complete-{STORE_VERSION}").exists():
        _build(options.cache, store)
    old_trace, middle_trace = _traces_to_show(store)
    print(f"store: {_describe(store)}")
    print(f"{'command':<44} {'wall s':>7} {'max RSS MB':>11}  target")
    page = options.cache / "page.html"
    for label, arguments in (
        ("show (the list)", ["show"]),
        ("show <id> (a trace in the oldest file)", ["show", old_trace]),
        ("show <id> (a trace in the active file)", ["show", middle_trace]),
        ("show --html <id>", ["show", "--html", str(page), old_trace]),
    ):
        _report(label, [_run(store, arguments) for _ in range(RUNS)])
    (store / INDEX_FILE_NAME).unlink()
    _report("show, index deleted first (a rebuild)", [_run(store, ["show"])], target=False)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the store is kept")
    parser.add_argument("--rebuild", action="store_true", help="write the store again")
    return parser.parse_args()


def _build(cache: Path, store: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    started = time.perf_counter()
    exporter = LocalStoreSpanExporter(store)
    batch: list[ReadableSpan] = []
    for span in _spans():
        batch.append(span)
        if len(batch) == BATCH:
            exporter.export(batch)
            batch.clear()
            if _full(store):
                break
    exporter.shutdown()
    (cache / f"complete-{STORE_VERSION}").touch()
    print(f"built the store in {time.perf_counter() - started:.0f} s")


def _full(store: Path) -> bool:
    active = store / "traces.jsonl"
    return (
        len(rotated_files(store)) >= DEFAULT_MAX_ROTATED_FILES
        and active.stat().st_size > DEFAULT_MAX_FILE_BYTES * 9 // 10
    )


def _spans() -> Iterator[ReadableSpan]:
    """Calls started IN_FLIGHT at a time, their spans interleaved as they end."""
    call = 0
    while True:
        calls = [_call(call + offset) for offset in range(IN_FLIGHT)]
        call += IN_FLIGHT
        for position in range(max(len(spans) for spans in calls)):
            for spans in calls:
                if position < len(spans):
                    yield spans[position]


def _call(number: int) -> list[ReadableSpan]:
    """One agent call's spans in the order they end: children first."""
    # Random-looking ids, as the SDK makes, but the same at every build.
    trace_id = int.from_bytes(hashlib.blake2b(number.to_bytes(8, "big"), digest_size=16).digest())
    start = 1_767_225_600_000_000_000 + number * 40 * MS  # from 2026-01-01, 40 ms apart
    ids = iter(range(number * 16 + 1, number * 16 + 16))
    failed = number % 20 == 7
    agent = next(ids)
    spans: list[ReadableSpan] = []
    for round_number in (1, 2):
        step = next(ids)
        step_start = start + (round_number - 1) * 15 * MS
        spans.append(
            _chat(trace_id, next(ids), step, step_start, round_number=round_number, failed=failed)
        )
        if round_number == 1:
            spans.append(_tool(trace_id, next(ids), step, step_start + 6 * MS))
        spans.append(
            _span(
                trace_id,
                step,
                agent,
                "react step",
                (step_start, step_start + 14 * MS),
                attributes={
                    "gen_ai.operation.name": "react",
                    "gen_ai.react.round": round_number,
                    "gen_ai.react.finish_reason": "tool_calls" if round_number == 1 else "stop",
                },
            )
        )
    spans.append(
        _span(
            trace_id,
            agent,
            None,
            f"invoke_agent Forecaster-{number % 50}",
            (start, start + 31 * MS),
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": f"Forecaster-{number % 50}",
                "gen_ai.agent.id": f"{number % 50:016x}",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.conversation.id": f"session-{number // 4}",
                "otelscope.usage.input_tokens": 480,
                "otelscope.usage.output_tokens": 96,
            },
            failed=failed,
        )
    )
    return spans


def _chat(
    trace_id: int, span_id: int, parent: int, start: int, *, round_number: int, failed: bool
) -> ReadableSpan:
    attributes: dict[str, object] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": f"chatcmpl-{trace_id:x}{round_number}",
        "gen_ai.response.finish_reasons": ("tool_calls" if round_number == 1 else "stop",),
        "gen_ai.usage.input_tokens": 240,
        "gen_ai.usage.output_tokens": 48,
        "server.address": "api.openai.com",
        "server.port": 443,
        "otelscope.request.attempts": 1,
    }
    if round_number == 1:
        messages = [{"role": "user", "parts": [{"type": "text", "content": QUESTION}]}]
        attributes["gen_ai.input.messages"] = json.dumps(messages)
    return _span(
        trace_id,
        span_id,
        parent,
        "chat gpt-4o-mini",
        (start, start + 5 * MS),
        attributes=attributes,
        kind=SpanKind.CLIENT,
        failed=failed and round_number == 2,
    )


def _tool(trace_id: int, span_id: int, parent: int, start: int) -> ReadableSpan:
    attributes = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": f"call_{span_id:08x}",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Get the weather forecast for a city and a day.",
    }
    times = (start, start + 7 * MS)
    return _span(
        trace_id, span_id, parent, "execute_tool get_weather", times, attributes=attributes
    )


def _span(
    trace_id: int,
    span_id: int,
    parent: int | None,
    name: str,
    times: tuple[int, int],
    *,
    attributes: dict[str, object],
    kind: SpanKind = SpanKind.INTERNAL,
    failed: bool = False,
) -> ReadableSpan:
    status = Status(StatusCode.ERROR, "rate limited") if failed else Status(StatusCode.UNSET)
    if failed:
        attributes = {**attributes, "error.type": "openai.RateLimitError"}
    return ReadableSpan(
        name=name,
        context=SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(1)),
        parent=None if parent is None else SpanContext(trace_id, parent, is_remote=False),
        resource=RESOURCE,
        instrumentation_scope=SCOPE,
        attributes=attributes,  # type: ignore[arg-type]
        kind=kind,
        status=status,
        start_time=times[0],
        end_time=times[1],
    )


def _traces_to_show(store: Path) -> tuple[str, str]:
    """A trace from the oldest file's middle, and one from the active file's."""
    oldest, active = rotated_files(store)[0], store / "traces.jsonl"
    return _trace_in_middle(oldest), _trace_in_middle(active)


def _trace_in_middle(path: Path) -> str:
    with path.open("rb") as file:
        file.seek(path.stat().st_size // 2)
        file.readline()
        line = json.loads(file.readline())
    span = line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    return str(span["traceId"])


def _run(store: Path, arguments: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `otelscope` subprocess."""
    command = [sys.executable, "-m", "otelscope.cli", *arguments, "--store", str(store)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def _report(label: str, runs: list[tuple[float, float]], *, target: bool = True) -> None:
    seconds = max(wall for wall, _ in runs)
    megabytes = max(rss for _, rss in runs)
    verdict = ""
    if target:
        met = seconds <= TARGET_SECONDS and megabytes <= TARGET_MB
        verdict = f"{'met' if met else 'MISSED'} ({TARGET_SECONDS} s, {TARGET_MB} MB)"
    print(f"{label:<44} {seconds:>7.2f} {megabytes:>11.0f}  {verdict}")


def _describe(store: Path) -> str:
    files = [*rotated_files(store), store / "traces.jsonl"]
    total = sum(path.stat().st_size for path in files)
    index = store / INDEX_FILE_NAME
    index_mb = index.stat().st_size / 2**20 if index.exists() else 0
    return (
        f"{len(files)} files, {total / 2**20:.0f} MiB of lines, index {index_mb:.0f} MiB "
        f"({store}; worst of {RUNS} runs each)"
    )


if __name__ == "__main__":
    main()
