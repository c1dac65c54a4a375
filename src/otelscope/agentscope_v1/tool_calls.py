"""`execute_tool` spans for AgentScope 1.x: ``Toolkit.call_tool_function``.

``call_tool_function`` returns an async generator and the tool body runs
while it is iterated, so the span is attached around each step of that
generator: work the tool starts (an HTTP call, a sub-agent) nests under it.

1.x catches an exception raised by a tool function (or coroutine function)
and answers with an ``Error: ...`` text instead, so on the span a failed tool
would look like a success. Each registered function a traced call reaches is
therefore wrapped once with ``tool_failures.watch_failures``, which notes
the exception for that call's span (error.type = the exception's class) and
lets it propagate to AgentScope unchanged. The wrap is undone on
``uninstrument()``. A tool that is not registered, or whose group is
inactive, is refused by AgentScope without running; its span ends as
``FunctionNotFoundError`` / ``FunctionInactiveError``, AgentScope's own words.
Exceptions from generator tools already propagate through the response stream.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from otelscope.agentscope_common.call_readers import AgentScopeToolReader
from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.agentscope_v1.tool_failures import (
    AbsorbedFailure,
    absorbing_into,
    unwatched,
    watch_failures,
)
from otelscope.core.guard import Arguments, guarded_coroutine, report_internal_error
from otelscope.core.invocations import ToolOperation
from otelscope.core.patching import Patches
from otelscope.core.streams import step_scope, traced_stream
from otelscope.core.telemetry import Telemetry
from otelscope.core.tool_call import ToolStream, begin_tool

ToolCall = Callable[..., Coroutine[Any, Any, Any]]


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.tool import Toolkit

    watched = _WatchedTools()
    patches.defer(watched.restore)
    patches.wrap(Toolkit, "call_tool_function", traced_tool_call(telemetry, watched))


def traced_tool_call(
    telemetry: Telemetry, watched: _WatchedTools
) -> Callable[[ToolCall], ToolCall]:
    return guarded_coroutine(_ToolCallSteps(telemetry, watched))


class _Running(NamedTuple):
    operation: ToolOperation
    absorbed: AbsorbedFailure


class _ToolCallSteps:
    what = "an execute_tool span"

    def __init__(self, telemetry: Telemetry, watched: _WatchedTools) -> None:
        self._telemetry = telemetry
        self._watched = watched

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> _Running | None:
        toolkit, tool_call = args[0], _tool_call_of(args, kwargs)
        operation = begin_tool(self._telemetry, _READER, toolkit, tool_call)
        absorbed = AbsorbedFailure()
        absorbed.refusal = self._watched.prepare(toolkit, tool_call)
        return _Running(operation, absorbed)

    def scope(self, running: _Running, args: Arguments) -> AbstractContextManager[object]:
        operation = running.operation
        return step_scope(
            operation,
            also=_Absorbing(native_tracing_off(), absorbing_into(running.absorbed)),
            remote=operation,
        )

    def returned(self, running: _Running, responses: Any) -> Any:
        operation, absorbed = running
        observer = ToolStream(operation, _READER, self._telemetry, absorbed)
        # Where Toolkit has middlewares (1.0.21), the tool body runs only
        # while the stream is iterated.
        return traced_stream(
            responses, operation, observer, also=absorbing_into(absorbed), remote=operation
        )

    def failed(self, running: _Running, error: BaseException) -> None:
        running.operation.fail(error)


def _tool_call_of(args: Arguments, kwargs: Mapping[str, Any]) -> Any:
    return args[1] if len(args) > 1 else kwargs.get("tool_call")


class _Absorbing:
    """AgentScope's own tracing off, and the tool's failures noted, while
    ``call_tool_function`` itself runs."""

    __slots__ = ("_absorbing", "_tracing_off")

    def __init__(
        self, tracing_off: AbstractContextManager[None], absorbing: absorbing_into
    ) -> None:
        self._tracing_off = tracing_off
        self._absorbing = absorbing

    def __enter__(self) -> None:
        self._tracing_off.__enter__()
        self._absorbing.__enter__()

    def __exit__(self, *exc_info: object) -> None:
        self._absorbing.__exit__(None, None, None)
        self._tracing_off.__exit__(None, None, None)


class _WatchedTools:
    """The registered tool functions wrapped with ``watch_failures``, so
    ``uninstrument()`` can put each original back."""

    def __init__(self) -> None:
        # Keyed by id: AgentScope's registration records are unhashable dataclasses.
        self._registered: dict[int, weakref.ref[Any]] = {}

    def prepare(self, toolkit: Any, tool_call: Any) -> tuple[str, str] | None:
        """Watch the function this call will run; or, when AgentScope will
        refuse the call, say how (as ``(error.type, description)``)."""
        try:
            return self._prepare(toolkit, tool_call)
        except Exception:
            report_internal_error("watching a tool function for failures")
            return None

    def _prepare(self, toolkit: Any, tool_call: Any) -> tuple[str, str] | None:
        name = tool_call.get("name") if isinstance(tool_call, Mapping) else None
        tools = getattr(toolkit, "tools", None)
        registered = tools.get(name) if isinstance(tools, Mapping) else None
        if registered is None:
            return (_NOT_FOUND, f"{_NOT_FOUND}: no tool function named {name!r}")
        function = getattr(registered, "original_func", None)
        if callable(function) and unwatched(function) is None:
            # No await between the check and the set: concurrent calls on the
            # event loop cannot both wrap the same function.
            registered.original_func = watch_failures(function)
            self._registered[id(registered)] = weakref.ref(registered)
        if not readers.tool_group_active(toolkit, registered):
            # AgentScope 1.0.8 runs it anyway; the span then says
            # what happened, since a refusal counts only if the tool did not run.
            return (_INACTIVE, f"{_INACTIVE}: the group of {name!r} is inactive")
        return None

    def restore(self) -> None:
        for reference in list(self._registered.values()):
            registered = reference()
            if registered is None:
                continue
            function = getattr(registered, "original_func", None)
            original = unwatched(function) if callable(function) else None
            if original is not None:
                registered.original_func = original
        self._registered.clear()


# AgentScope's own names for the two refusals (the prefix of its answer text).
_NOT_FOUND = "FunctionNotFoundError"
_INACTIVE = "FunctionInactiveError"


_READER = AgentScopeToolReader(readers.tool_facts, readers.tool_outcome)
