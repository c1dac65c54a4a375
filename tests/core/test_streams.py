"""Traced streams: items pass unchanged, context only around each step, and
exactly one of finished / failed / closed."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator

import pytest
from opentelemetry import trace
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.trace import TracerProvider

from otelscope.core import calls
from otelscope.core.invocations import AgentCall
from otelscope.core.metrics import Metrics
from otelscope.core.operation import Operation
from otelscope.core.streams import traced_stream

tracer = TracerProvider().get_tracer("t")


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def item(self, item: object) -> None:
        self.events.append(f"item {item}")

    def finished(self) -> None:
        self.events.append("finished")

    def failed(self, error: BaseException) -> None:
        self.events.append(f"failed {type(error).__name__}")

    def closed(self) -> None:
        self.events.append("closed")


def current_span_name() -> str:
    return getattr(trace.get_current_span(), "name", "none")


async def numbers(seen: list[str], fail_at: int | None = None) -> AsyncGenerator[int, None]:
    for n in range(3):
        seen.append(current_span_name())
        if n == fail_at:
            raise KeyError(n)
        yield n


def test_items_pass_through_and_context_is_held_only_inside_steps() -> None:
    operation = Operation(tracer.start_span("op"))
    recorder, seen, consumer_saw = Recorder(), [], []

    async def main() -> list[int]:
        items = []
        stream = traced_stream(numbers(seen), operation, recorder)
        assert inspect.isasyncgen(stream)
        async for item in stream:
            consumer_saw.append(current_span_name())
            items.append(item)
        return items

    assert asyncio.run(main()) == [0, 1, 2]
    assert seen == ["op", "op", "op"]
    assert consumer_saw == ["none", "none", "none"]
    assert recorder.events == ["item 0", "item 1", "item 2", "finished"]


def test_a_failing_source_is_reported_once_and_re_raised_unchanged() -> None:
    operation = Operation(tracer.start_span("op"))
    recorder = Recorder()

    async def main() -> None:
        async for _ in traced_stream(numbers([], fail_at=1), operation, recorder):
            pass

    with pytest.raises(KeyError) as raised:
        asyncio.run(main())
    assert raised.value.args == (1,)
    assert recorder.events == ["item 0", "failed KeyError"]


def test_closing_early_closes_the_source_under_the_span() -> None:
    operation = Operation(tracer.start_span("op"))
    recorder, cleanup_saw = Recorder(), []

    async def source() -> AsyncGenerator[int, None]:
        try:
            yield 1
            yield 2
        finally:
            cleanup_saw.append(current_span_name())

    async def main() -> None:
        stream = traced_stream(source(), operation, recorder)
        assert await stream.__anext__() == 1
        await stream.aclose()

    asyncio.run(main())
    assert recorder.events == ["item 1", "closed"]
    assert cleanup_saw == ["op"]


def test_a_stream_closed_from_another_task_detaches_cleanly(caplog) -> None:
    operation = Operation(tracer.start_span("op"))
    recorder = Recorder()

    async def main() -> None:
        stream = traced_stream(numbers([]), operation, recorder)
        assert await stream.__anext__() == 0
        await asyncio.create_task(stream.aclose())

    asyncio.run(main())
    assert recorder.events == ["item 0", "closed"]
    assert "Failed to detach context" not in caplog.text


def test_the_call_state_is_set_only_inside_steps() -> None:
    call = AgentCall(
        tracer.start_span("op"),
        object(),
        "agent",
        {},
        tracer=tracer,
        metrics=Metrics(NoOpMeter("test")),
    )
    operation = call
    inside: list[AgentCall | None] = []

    async def source() -> AsyncGenerator[int, None]:
        inside.append(calls.current_call())
        yield 1

    async def main() -> None:
        async for _ in traced_stream(source(), operation, Recorder(), call=call):
            assert calls.current_call() is None

    asyncio.run(main())
    assert inside == [call]
