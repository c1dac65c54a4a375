"""Tracing one speech call (text-to-speech or speech recognition), streamed
or not, whatever the AgentScope line.

An adapter wraps the model's method with ``traced_speech_call`` and supplies
a reader that knows its line's objects; the four guarded steps are
``otelscope.core.guard``'s, the span ``otelscope.core.speech``'s. As for a
chat call, the model's code runs with the operation current as the call
its provider's SDK reports to (``otelscope.core.served``), and so does each
step of a stream it returns (some SDKs send their request only then).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, cast

from otelscope.core.guard import Arguments, guarded_coroutine, report_internal_error
from otelscope.core.speech import (
    SpeechOperation,
    SpeechRequest,
    SpeechResult,
    start_speech,
    text_content,
)
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry

SpeechCall = Callable[..., Coroutine[Any, Any, Any]]


class SpeechStreamReader(Protocol):
    """Reads a streamed speech response chunk by chunk."""

    def chunk(self, chunk: Any) -> bool:
        """Read one chunk; whether it carried any audio or text."""

    def result(self) -> SpeechResult: ...


class SpeechReader(Protocol):
    """What a speech call means on one AgentScope line."""

    def already_traced(self, model: Any) -> bool:
        """Whether this call is part of one traced already (``super()``)."""

    def scope(self, model: Any) -> AbstractContextManager[None]:
        """Context held while the model's own code runs."""

    def request(
        self, model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> SpeechRequest: ...

    def text_in(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
        """The text to synthesize (only asked when capturing)."""

    def result(self, response: Any) -> SpeechResult: ...

    def text_out(self, response: Any) -> str | None:
        """The transcript (only asked when capturing)."""

    def stream(self, model: Any) -> SpeechStreamReader:
        """A reader for the stream this model returned."""


def traced_speech_call(
    telemetry: Telemetry, reader: SpeechReader
) -> Callable[[SpeechCall], SpeechCall]:
    return guarded_coroutine(_SpeechSteps(telemetry, reader))


class _Running:
    """A speech call in flight: its operation and what it asked for."""

    __slots__ = ("model", "operation", "request")

    def __init__(self, operation: SpeechOperation, request: SpeechRequest, model: Any) -> None:
        self.operation = operation
        self.request = request
        self.model = model


class _SpeechSteps:
    what = "a speech span"

    def __init__(self, telemetry: Telemetry, reader: SpeechReader) -> None:
        self._telemetry = telemetry
        self._reader = reader

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Running | None:
        model, call_args = args[0], args[1:]
        if self._reader.already_traced(model):
            return None
        request = self._reader.request(model, call_args, kwargs)
        operation = start_speech(self._telemetry, request)
        if self._telemetry.wants_span_content(operation):
            text = self._reader.text_in(call_args, kwargs)
            if text:
                self._telemetry.record_content(operation, text_content(request.operation, text))
        return _Running(operation, request, model)

    def scope(self, running: _Running, args: Arguments) -> AbstractContextManager[object]:
        operation = running.operation
        return step_scope(operation, also=self._reader.scope(args[0]), serving=operation)

    def returned(self, running: _Running, response: Any) -> Any:
        operation = running.operation
        if inspect.isasyncgen(response):
            stream = cast(AsyncGenerator[Any, None], response)
            observer = _SpeechStream(running, self._reader.stream(running.model), self)
            return traced_stream(stream, operation, observer, serving=operation)
        self.finish(running, self._reader.result(response), response)
        return response

    def failed(self, running: _Running, error: BaseException) -> None:
        running.operation.fail(error)

    def finish(self, running: _Running, result: SpeechResult, response: Any) -> None:
        operation = running.operation
        if response is not None and self._telemetry.wants_span_content(operation):
            try:
                text = self._reader.text_out(response)
                if text:
                    content = text_content(running.request.operation, text)
                    self._telemetry.record_content(operation, content)
            except Exception:
                report_internal_error("recording a transcript")
        operation.finish(result)


class _SpeechStream:
    """A streamed speech response: its sizes added up as chunks pass."""

    __slots__ = ("_reader", "_running", "_steps")

    def __init__(self, running: _Running, reader: SpeechStreamReader, steps: _SpeechSteps) -> None:
        self._running = running
        self._reader = reader
        self._steps = steps

    def item(self, chunk: Any) -> None:
        if self._reader.chunk(chunk):
            operation = self._running.operation
            operation.chunk_arrived(time.perf_counter() - operation.started)

    def finished(self) -> None:
        self._steps.finish(self._running, self._reader.result(), None)

    def failed(self, error: BaseException) -> None:
        self._running.operation.fail(error)

    def closed(self) -> None:
        self._running.operation.cancel()
