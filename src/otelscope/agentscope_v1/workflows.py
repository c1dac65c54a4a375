"""`invoke_workflow` spans for AgentScope 1.x: pipelines and ``MsgHub``.

A multi-agent run is one trace: the agents' calls inside it nest under its
span (``Telemetry.start_workflow``), including those that ``fanout_pipeline``
runs in tasks it creates, since a task copies the context it was created in.

- ``sequential_pipeline`` / ``fanout_pipeline`` (workflow names: the
  function names): replaced in ``agentscope.pipeline._functional``, in the
  re-exporting ``agentscope.pipeline``, and in ``agentscope.pipeline._class``,
  whose ``SequentialPipeline`` / ``FanoutPipeline`` call them through that
  module's globals. A class run therefore passes through the one wrapper and
  has exactly one span. A function the application imported by name before
  ``instrument()`` (``from agentscope.pipeline import sequential_pipeline``)
  is the original and is not traced; the classes and ``MsgHub`` are. A
  wrapper still held after ``uninstrument()`` calls the original untraced.
- ``MsgHub`` (workflow name: the ``name`` given to the hub, else ``msghub``;
  never the random id AgentScope makes up, which would give every hub its
  own metric series): the span is made current in ``__aenter__`` (so the
  announcement's ``observe`` calls run under it) and ends in ``__aexit__``.
  ``async with`` awaits both in one task, so the context attached on entry is
  detached on exit in that task. Per-hub state is a stack of entries (a hub
  may be re-entered, or entered by two tasks at once) in a
  ``WeakKeyDictionary`` keyed on the hub; an exit ends the innermost entry of
  its own task. Whether a hub was named is read from its ``__init__``
  arguments, so a hub built before ``instrument()`` is called ``msghub``; a
  hub entered while instrumented and left after ``uninstrument()`` is never
  ended. The replies a participant broadcasts run inside its own
  ``invoke_agent`` span (``AgentBase.__call__`` broadcasts them).

A run whose task was asked to cancel while AgentScope absorbed the
cancellation (an interrupted agent answers instead of raising) ends
cancelled, as its agent calls do.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractContextManager
from contextvars import Token
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.context import Context

from otelscope.core.guard import (
    Arguments,
    guarded_coroutine,
    report_internal_error,
    safely,
    suppressed,
)
from otelscope.core.invocations import WorkflowOperation
from otelscope.core.patching import Patches
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry

Workflow = Callable[..., Coroutine[Any, Any, Any]]
PIPELINE_FUNCTIONS = ("sequential_pipeline", "fanout_pipeline")
HUB_DEFAULT_NAME = "msghub"


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope import pipeline
    from agentscope.pipeline import MsgHub, _class, _functional

    live = _Switch()
    patches.defer(live.off)
    for name in PIPELINE_FUNCTIONS:
        original = getattr(_functional, name, None)
        if original is None:  # not in every 1.x release
            continue
        patches.wrap(_functional, name, traced_pipeline(telemetry, name, live))
        wrapper = getattr(_functional, name)
        for module in (pipeline, _class):
            if getattr(module, name, None) is original:
                patches.replace(module, name, wrapper)
    hubs = _Hubs(telemetry)
    patches.wrap(MsgHub, "__init__", hubs.traced_init)
    patches.wrap(MsgHub, "__aenter__", hubs.traced_enter)
    patches.wrap(MsgHub, "__aexit__", hubs.traced_exit)


def traced_pipeline(
    telemetry: Telemetry, name: str, live: _Switch
) -> Callable[[Workflow], Workflow]:
    return guarded_coroutine(_PipelineSteps(telemetry, name, live))


class _PipelineSteps:
    what = "an invoke_workflow span"

    def __init__(self, telemetry: Telemetry, name: str, live: _Switch) -> None:
        self._telemetry = telemetry
        self._name = name
        self._live = live

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> WorkflowOperation | None:
        return self._telemetry.start_workflow(self._name) if self._live.on else None

    def scope(self, run: WorkflowOperation, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(run)

    def returned(self, run: WorkflowOperation, result: Any) -> Any:
        run.complete()
        return result

    def failed(self, run: WorkflowOperation, error: BaseException) -> None:
        run.fail(error)


class _Switch:
    """Off once uninstrumented: a wrapper the application still holds then
    calls its original untraced."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = True

    def off(self) -> None:
        self.on = False


class _Entry:
    """One entry into a hub: its span, the context token to detach on exit,
    and the entering task."""

    __slots__ = ("operation", "task", "token")

    def __init__(self, operation: WorkflowOperation) -> None:
        self.operation = operation
        self.token: Token[Context] | None = None
        task = asyncio.current_task()
        self.task = weakref.ref(task) if task is not None else None

    def in_task(self, task: asyncio.Task[Any] | None) -> bool:
        return (self.task() if self.task is not None else None) is task


class _Hubs:
    """The ``MsgHub`` wrappers and their per-hub state."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._telemetry = telemetry
        self._named: weakref.WeakSet[Any] = weakref.WeakSet()
        self._entries: weakref.WeakKeyDictionary[Any, list[_Entry]] = weakref.WeakKeyDictionary()

    def traced_init(self, original: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(original)

        def __init__(hub: Any, *args: Any, **kwargs: Any) -> None:
            original(hub, *args, **kwargs)
            safely("reading a MsgHub's name", self._note_name, hub, signature, args, kwargs)

        return __init__

    def traced_enter(self, original: Workflow) -> Workflow:
        async def __aenter__(hub: Any, *args: Any, **kwargs: Any) -> Any:
            entry = None if suppressed() else self._enter(hub)
            try:
                return await original(hub, *args, **kwargs)
            except BaseException as error:
                # `async with` does not call `__aexit__` when entering fails.
                if entry is not None:
                    self._leave(hub, entry, True, error)
                raise

        return __aenter__

    def traced_exit(self, original: Workflow) -> Workflow:
        async def __aexit__(hub: Any, *args: Any, **kwargs: Any) -> Any:
            found = self._exiting_entry(hub)
            if found is None:
                return await original(hub, *args, **kwargs)
            entry, own_task = found
            try:
                result = await original(hub, *args, **kwargs)
            except BaseException as error:
                self._leave(hub, entry, own_task, error)
                raise
            body_error = args[1] if len(args) > 1 else None
            if not isinstance(body_error, BaseException):
                body_error = None
            self._leave(hub, entry, own_task, body_error)
            return result

        return __aexit__

    def _note_name(
        self, hub: Any, signature: inspect.Signature, args: Any, kwargs: dict[str, Any]
    ) -> None:
        given = signature.bind(hub, *args, **kwargs).arguments.get("name")
        if isinstance(given, str) and given:
            self._named.add(hub)
        else:
            self._named.discard(hub)

    def _enter(self, hub: Any) -> _Entry | None:
        try:
            name = getattr(hub, "name", None) if hub in self._named else None
            if not isinstance(name, str) or not name:
                name = HUB_DEFAULT_NAME
            entry = _Entry(self._telemetry.start_workflow(name))
            self._entries.setdefault(hub, []).append(entry)
        except Exception:
            report_internal_error("starting an invoke_workflow span")
            return None
        context = entry.operation.context
        if context is not None:
            entry.token = otel_context.attach(context)
        return entry

    def _exiting_entry(self, hub: Any) -> tuple[_Entry, bool] | None:
        """The entry an exit ends, and whether it was made in the running
        task: that task's innermost entry whose span is current (a body that
        left the context balanced), else its innermost; an exit from another
        task ends the hub's innermost entry."""
        try:
            entries = self._entries.get(hub)
            if not entries:
                return None
            task = asyncio.current_task()
            own = [e for e in entries if e.in_task(task)]
            current = otel_context.get_current()
            balanced = [e for e in own if e.operation.context is current]
            if own:
                return (balanced or own)[-1], True
            return entries[-1], False
        except Exception:
            report_internal_error("finding a MsgHub's invoke_workflow span")
            return None

    def _leave(self, hub: Any, entry: _Entry, own_task: bool, error: BaseException | None) -> None:
        """Forget the entry, detach its context (only in the task that
        attached it) and end its span."""
        try:
            entries = self._entries.get(hub, [])
            if entry in entries:
                entries.remove(entry)
            if not entries:
                self._entries.pop(hub, None)
        except Exception:
            report_internal_error("forgetting a MsgHub entry")
        if own_task and entry.token is not None:
            otel_context.detach(entry.token)
        if error is not None:
            safely("ending a failed invoke_workflow span", entry.operation.fail, error)
        else:
            safely("ending an invoke_workflow span", entry.operation.complete)
