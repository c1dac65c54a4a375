"""`invoke_workflow` spans for AgentScope 2.x: ``GoalPipeline`` and ``TeamPipeline``.

Both pipelines run through ``reply_stream``, an async generator; the wrapper
is a real async generator too, and hands the pipeline's stream to
``otelscope.core.streams.traced_stream``, so the span is current around each
step only (the member tasks ``TeamPipeline`` creates inside a step copy it,
and the agents' calls nest under the span). The span starts at the first
step, like the pipeline's own code: a stream never iterated makes no span.
An exhausted stream ends it as a success, one that raises as failed, one
closed early (``aclose``, ``break``, garbage collection) as cancelled; a run
whose task was asked to cancel while AgentScope absorbed the cancellation
(``interruption_raise_cancelled_error=False``, the default) ends cancelled.

The workflow name is the pipeline's class name in snake case:
``goal_pipeline``, ``team_pipeline``, and for a subclass its own name
(``ResearchTeam`` -> ``research_team``): as few distinct names as there are
classes, so the name stays fit for a metric attribute.

``TeamPipeline.reply_stream`` calls itself to interrupt its participants
when cancelled; a call made directly inside a run of the same pipeline (its
span is current) is part of that run and gets no span of its own. The runs
in flight are kept per pipeline in a ``WeakKeyDictionary`` keyed on it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import Any

from opentelemetry import trace

from otelscope.core.guard import report_internal_error, safely, suppressed
from otelscope.core.invocations import WorkflowOperation
from otelscope.core.patching import Patches
from otelscope.core.streams import traced_stream
from otelscope.core.telemetry import Telemetry

ReplyStream = Callable[..., AsyncGenerator[Any, None]]
Runs = weakref.WeakKeyDictionary[Any, list[WorkflowOperation]]


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.pipeline import GoalPipeline, TeamPipeline

    runs: Runs = weakref.WeakKeyDictionary()
    for pipeline_class in (GoalPipeline, TeamPipeline):
        patches.wrap(pipeline_class, "reply_stream", traced_reply_stream(telemetry, runs))


def workflow_name(pipeline: Any) -> str:
    """``TeamPipeline`` -> ``team_pipeline``."""
    return re.sub(
        r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", type(pipeline).__name__
    ).lower()


def traced_reply_stream(telemetry: Telemetry, runs: Runs) -> Callable[[ReplyStream], ReplyStream]:
    def wrap(original: ReplyStream) -> ReplyStream:
        async def reply_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            events = original(self, *args, **kwargs)
            run = _start(telemetry, runs, self)
            stream = events if run is None else traced_stream(events, run.operation, run)
            try:
                async for event in stream:
                    yield event
            finally:
                await stream.aclose()

        return reply_stream

    return wrap


class _Run:
    """One run of a pipeline: observes its stream and ends its span."""

    __slots__ = ("_pipeline", "_runs", "operation")
    item = None

    def __init__(self, operation: WorkflowOperation, runs: Runs, pipeline: Any) -> None:
        self.operation = operation
        self._runs = runs
        self._pipeline = pipeline

    def finished(self) -> None:
        safely("forgetting a pipeline run", self._forget)
        self.operation.complete()

    def failed(self, error: BaseException) -> None:
        safely("forgetting a pipeline run", self._forget)
        self.operation.fail(error)

    def closed(self) -> None:
        safely("forgetting a pipeline run", self._forget)
        self.operation.cancel()

    def _forget(self) -> None:
        open_runs = self._runs.get(self._pipeline, [])
        if self.operation in open_runs:
            open_runs.remove(self.operation)
        if not open_runs:
            self._runs.pop(self._pipeline, None)


def _start(telemetry: Telemetry, runs: Runs, pipeline: Any) -> _Run | None:
    if suppressed():
        return None
    try:
        current = trace.get_current_span()
        if any(operation.span is current for operation in runs.get(pipeline, ())):
            return None  # the pipeline calling itself inside its own run
        run = _Run(telemetry.start_workflow(workflow_name(pipeline)), runs, pipeline)
        runs.setdefault(pipeline, []).append(run.operation)
        return run
    except Exception:
        report_internal_error("starting an invoke_workflow span")
        return None
