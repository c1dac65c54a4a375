"""Invocation objects: one per traced operation, each owning its state.

An agent call, a ReAct round, a chat, an embeddings call, a tool call and a
workflow run are each an ``Operation`` (a span that ends exactly once) that
also owns what belongs to it: the attributes it sets while it runs, its
metric attributes and the metric points it records when it ends, its token
roll-up, and its state changes (a call opens and closes its rounds, notes a
cancellation the framework absorbed, and ends whatever round is still open).
``otelscope.core.telemetry.Telemetry`` starts them; adapters then call their
methods and change no state themselves.

The shape follows ``opentelemetry-util-genai`` (a handler that starts
invocations, invocations that are stopped or failed), so moving onto it is a
swap of the span and metric calls here, not of the adapters.
"""

from __future__ import annotations

import asyncio
import time

from opentelemetry._logs import Logger
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.calls import current_call
from otelscope.core.cancellation import cancel_requests
from otelscope.core.metrics import Metrics
from otelscope.core.operation import Operation
from otelscope.core.records import ChatResult, EmbeddingsResult
from otelscope.core.served import Served, ServedResult, merged
from otelscope.core.values import known


class TokenTally:
    """Tokens used by the model calls inside a call or a round."""

    __slots__ = ("input", "output", "reported")

    def __init__(self) -> None:
        self.input = 0
        self.output = 0
        # False until a model call inside reported any usage at all: "no
        # usage known" is left out rather than recorded as zero.
        self.reported = False

    def add(self, input_tokens: int | None, output_tokens: int | None) -> None:
        if input_tokens is None and output_tokens is None:
            return
        self.reported = True
        self.input += input_tokens or 0
        self.output += output_tokens or 0


class ReactRound(Operation):
    """One reasoning-acting round of an agent call; its call opens it."""

    __slots__ = ("acted", "call", "number", "tokens")

    def __init__(self, span: Span, call: AgentCall, number: int, attached: bool = True) -> None:
        super().__init__(span, attached)
        # No cycle outlives the call: it lets go of its open round as it ends.
        self.call = call
        self.number = number
        # Set when the round ran a tool; decides `gen_ai.react.finish_reason`.
        self.acted = False
        self.tokens = TokenTally()

    def complete(self) -> None:
        """End the round as a success, with its finish reason."""
        finish = conv.REACT_FINISH_TOOL_CALLS if self.acted else conv.REACT_FINISH_STOP
        _put_rollup(self, self.tokens, {conv.REACT_FINISH_REASON: finish})
        self.stop()

    def abort(self, error: BaseException | None) -> None:
        """End a round that did not complete: failed by ``error``, or
        cancelled when there is none."""
        _put_rollup(self, self.tokens)
        if error is None:
            self.cancel()
        else:
            self.fail(error)

    def part_failed(self, error: BaseException | None) -> None:
        """Its reasoning or acting raised ``error``, or was closed before it
        finished (None): the round ends, and a cancellation marks the call
        cancelled even if the framework then absorbs it."""
        if error is None or isinstance(error, asyncio.CancelledError):
            self.call.mark_cancelled()
        self.abort(error)


class AgentCall(Operation):
    """One agent invocation, owned by the task that runs it (the current
    call, ``otelscope.core.calls``), with its rounds and token roll-up."""

    __slots__ = (
        "_metric_attributes",
        "_metrics",
        "_tracer",
        "agent",
        "agent_name",
        "cancelled",
        "conversation_id",
        "dropped",
        "parent",
        "parent_round",
        "round",
        "rounds",
        "tokens",
    )

    def __init__(
        self,
        span: Span,
        agent: object,
        agent_name: str,
        metric_attributes: dict[str, AttributeValue],
        *,
        tracer: Tracer,
        metrics: Metrics,
        conversation_id: str | None = None,
        dropped: bool = False,
    ) -> None:
        super().__init__(span)
        self.agent = agent
        self.agent_name = agent_name
        self._metric_attributes = metric_attributes
        self._tracer = tracer
        self._metrics = metrics
        # Every span of the call carries it (`gen_ai.conversation.id`).
        self.conversation_id = conversation_id
        # A sampler dropped the call's trace: its parts start no spans of
        # their own (they stand on this span), and record their metrics.
        self.dropped = dropped
        self.round: ReactRound | None = None
        self.rounds = 0
        # Set when a part of the call saw a cancellation that the framework
        # then absorbed (``mark_cancelled``).
        self.cancelled = False
        self.tokens = TokenTally()
        # The call (and its round) this call runs inside, if any: a nested
        # agent's tokens count toward the caller's roll-up too.
        self.parent = current_call()
        self.parent_round = self.parent.round if self.parent is not None else None

    def begin_round(self) -> ReactRound:
        """Close the open round, if any, and open the next one."""
        if self.round is not None:
            self.round.complete()
        self.rounds += 1
        span = self.span
        if not self.dropped:
            attributes: dict[str, AttributeValue] = {
                conv.OPERATION_NAME: conv.OP_REACT,
                conv.REACT_ROUND: self.rounds,
            }
            if self.conversation_id is not None:
                attributes[conv.CONVERSATION_ID] = self.conversation_id
            span = self._tracer.start_span(
                conv.REACT_STEP_SPAN_NAME,
                context=self.context,
                kind=SpanKind.INTERNAL,
                attributes=attributes,
            )
        self.round = ReactRound(span, self, self.rounds, attached=not self.dropped)
        return self.round

    def round_for_acting(self) -> ReactRound:
        """The round a tool call belongs to; opens one if the call acts first
        (a reply resumed with tool results acts before it reasons)."""
        current = self.round if self.round is not None else self.begin_round()
        current.acted = True
        return current

    def mark_cancelled(self) -> None:
        """A part of the call saw a cancellation that the framework then
        absorbed (AgentScope 1.x answers a cancelled reply with an
        "interrupted" message): the call still ends cancelled."""
        self.cancelled = True

    def end(self, error: BaseException | None = None) -> None:
        """End the call and whatever round of it is still open, the same way:
        a round open when its call fails or is cancelled did not complete."""
        open_round, self.round = self.round, None
        if open_round is not None:
            if error is None and not self.cancelled:
                open_round.complete()
            else:
                open_round.abort(error)
        _put_rollup(self, self.tokens)
        if self.tokens.reported:
            # A nested call's tokens count toward its caller's call and round.
            for tally in _tallies_of(self.parent, self.parent_round):
                tally.add(self.tokens.input, self.tokens.output)
        if error is not None:
            self.fail(error)
        elif self.cancelled:
            self.cancel()
        else:
            self.stop()

    def _recorded(self, error_type: str | None) -> None:
        self._metrics.agent_call(self._metric_attributes, self.duration(), error_type, self.context)


class WorkflowOperation(Operation):
    """A multi-agent run (pipeline, hub, team)."""

    __slots__ = ("_cancel_requests", "_metric_attributes", "_metrics", "_task")

    def __init__(self, span: Span, name: str, metrics: Metrics) -> None:
        super().__init__(span)
        self._metric_attributes: dict[str, AttributeValue] = {conv.WORKFLOW_NAME: name}
        self._metrics = metrics
        self._task = asyncio.current_task()
        self._cancel_requests = cancel_requests(self._task)

    def complete(self) -> None:
        """End a run that returned: cancelled if the task that started it was
        asked to cancel meanwhile (an agent inside absorbed the cancellation
        and answered instead), else a success."""
        task = asyncio.current_task()
        same_task = task is not None and task is self._task
        if same_task and cancel_requests(task) > self._cancel_requests:
            self.cancel()
        else:
            self.stop()

    def _recorded(self, error_type: str | None) -> None:
        self._metrics.workflow(self._metric_attributes, self.duration(), error_type, self.context)


class ToolOperation(Operation):
    """A tool call."""

    __slots__ = ("_metric_attributes", "_metrics")

    def __init__(
        self,
        span: Span,
        metric_attributes: dict[str, AttributeValue],
        metrics: Metrics,
        attached: bool = True,
    ) -> None:
        super().__init__(span, attached)
        self._metric_attributes = metric_attributes
        self._metrics = metrics

    def _recorded(self, error_type: str | None) -> None:
        self._metrics.tool_call(self._metric_attributes, self.duration(), error_type, self.context)


class ModelOperation(Operation):
    """A call to a model (chat or embeddings), which its provider's SDK may
    report to (``otelscope.core.served``). Subclasses set ``_served`` to None
    in their own ``__init__``: one call less on every model call."""

    __slots__ = ("_served",)
    _served: Served | None

    def served_record(self) -> Served:
        if self._served is None:
            self._served = Served()
        return self._served

    @property
    def served(self) -> Served | None:
        return self._served

    def _end(self, error_type: str | None) -> None:
        # The request side of what the SDK reported, whatever the outcome:
        # a failed call still reached (or tried) its endpoint.
        if self._served is not None:
            attributes = self._served.attributes(failed=error_type is not None)
            if attributes:
                self.span.set_attributes(attributes)
        super()._end(error_type)

    def _metric_attributes_with(
        self, attributes: dict[str, AttributeValue], response_model: str | None
    ) -> dict[str, AttributeValue]:
        """The call's metric attributes, with the model that answered and
        the endpoint reached, when known."""
        served = self._served
        if response_model is None and served is None:
            return attributes
        extra = known(
            {
                conv.RESPONSE_MODEL: response_model,
                conv.SERVER_ADDRESS: served.address if served is not None else None,
                conv.SERVER_PORT: served.port if served is not None else None,
            }
        )
        return {**attributes, **extra}


class ChatOperation(ModelOperation):
    """A model call; tracks the time to the first streamed chunk and what the
    model reported, for the span, the metrics and the token roll-up."""

    __slots__ = (
        "_events",
        "_metrics",
        "event_content",
        "metric_attributes",
        "result",
        "tallies",
        "time_to_first_chunk",
    )

    def __init__(
        self,
        span: Span,
        metric_attributes: dict[str, AttributeValue],
        call: AgentCall | None,
        *,
        metrics: Metrics,
        events: Logger | None,
        attached: bool = True,
        in_round: bool = True,
    ) -> None:
        super().__init__(span, attached)
        self.metric_attributes = metric_attributes
        self._metrics = metrics
        self._events = events
        self.time_to_first_chunk: float | None = None
        # What the provider's SDK reported (otelscope.core.served), if any,
        # and the response as recorded: the provider's report over the
        # framework's.
        self._served: Served | None = None
        self.result: ServedResult | None = None
        # Rendered content kept for the inference event (event capture modes).
        self.event_content: dict[str, str] = {}
        # The call and round this model call belongs to, whose roll-ups it feeds.
        self.tallies = _tallies_of(call, call.round if call is not None and in_round else None)

    def chunk_arrived(self) -> None:
        """Record the time to the first chunk of a streamed response."""
        if self.time_to_first_chunk is None:
            self.time_to_first_chunk = time.perf_counter() - self.started
            self.set(conv.RESPONSE_TIME_TO_FIRST_CHUNK, self.time_to_first_chunk)

    def finish(self, result: ChatResult | None) -> None:
        """Record what the model reported and end the span."""
        response = result.response if result is not None else None
        if self._served is not None:
            response = merged(self._served.result(), response)
        if response is not None:
            self.result = response
            attributes: dict[str, AttributeValue] = {}
            for key, value in zip(_RESULT_KEYS, response, strict=True):
                if value is not None:
                    attributes[key] = value
            if attributes and not self.ended:
                self.span.set_attributes(attributes)
            input_tokens, output_tokens = response.input_tokens, response.output_tokens
            if input_tokens is not None or output_tokens is not None:
                for tally in self.tallies:
                    tally.add(input_tokens, output_tokens)
        if result is not None and result.interrupted:
            self.cancel()
            return
        self.stop()

    def _recorded(self, error_type: str | None) -> None:
        result = self.result
        attributes = self._metric_attributes_with(
            self.metric_attributes, result.response_model if result is not None else None
        )
        if self.event_content and self._events is not None:
            self._events.emit(
                event_name=conv.EVENT_INFERENCE_DETAILS,
                attributes={**attributes, **self.event_content},
                context=self.context,
            )
        self._metrics.model_call(
            attributes,
            self.duration(),
            error_type,
            input_tokens=result.input_tokens if result is not None else None,
            output_tokens=result.output_tokens if result is not None else None,
            time_to_first_chunk=self.time_to_first_chunk,
            context=self.context,
        )


# The span attribute of each field of ServedResult, in field order, so a
# result's values zip with them.
_RESULT_ATTRIBUTES = {
    "response_id": conv.RESPONSE_ID,
    "response_model": conv.RESPONSE_MODEL,
    "finish_reasons": conv.RESPONSE_FINISH_REASONS,
    "input_tokens": conv.USAGE_INPUT_TOKENS,
    "output_tokens": conv.USAGE_OUTPUT_TOKENS,
    "cache_read_input_tokens": conv.USAGE_CACHE_READ_INPUT_TOKENS,
    "cache_creation_input_tokens": conv.USAGE_CACHE_CREATION_INPUT_TOKENS,
    "reasoning_output_tokens": conv.USAGE_REASONING_OUTPUT_TOKENS,
}
_RESULT_KEYS = tuple(_RESULT_ATTRIBUTES[name] for name in ServedResult._fields)


class EmbeddingsOperation(ModelOperation):
    """An embedding call; keeps its metric attributes and reported usage."""

    __slots__ = ("_metrics", "dimensions", "input_tokens", "metric_attributes", "response_model")

    def __init__(
        self,
        span: Span,
        metric_attributes: dict[str, AttributeValue],
        dimensions: int | None,
        metrics: Metrics,
    ) -> None:
        super().__init__(span)
        self.metric_attributes = metric_attributes
        self._metrics = metrics
        self._served: Served | None = None
        # The model object's dimensions: recorded only if no SDK reported
        # the request, whose own dimensions (or none) are what was asked for.
        self.dimensions = dimensions
        self.input_tokens: int | None = None
        self.response_model: str | None = None

    def finish(self, result: EmbeddingsResult) -> None:
        served = self._served.result() if self._served is not None else None
        # AgentScope's count first: it sums every batch of the call, where
        # the provider's report is of the last request only.
        self.input_tokens = result.input_tokens
        if served is not None:
            if self.input_tokens is None:
                self.input_tokens = served.input_tokens
            self.response_model = served.response_model
        self.set_all(
            {
                conv.USAGE_INPUT_TOKENS: self.input_tokens,
                conv.RESPONSE_MODEL: self.response_model,
            }
        )
        self.stop()

    def _end(self, error_type: str | None) -> None:
        if self._served is None and self.dimensions is not None:
            self.span.set_attribute(conv.EMBEDDINGS_DIMENSION_COUNT, self.dimensions)
        super()._end(error_type)

    def _recorded(self, error_type: str | None) -> None:
        self._metrics.model_call(
            self._metric_attributes_with(self.metric_attributes, self.response_model),
            self.duration(),
            error_type,
            input_tokens=self.input_tokens,
            output_tokens=None,
            time_to_first_chunk=None,
            context=self.context,
        )


def _put_rollup(
    operation: Operation, tokens: TokenTally, also: dict[str, AttributeValue | None] | None = None
) -> None:
    """Set the token roll-up (when any model reported usage) and ``also``,
    on a span that records them (not on a dropped one)."""
    if not operation.span.is_recording():
        return
    attributes: dict[str, AttributeValue | None] = {} if also is None else also
    if tokens.reported:
        attributes[conv.ROLLUP_INPUT_TOKENS] = tokens.input
        attributes[conv.ROLLUP_OUTPUT_TOKENS] = tokens.output
    operation.set_all(attributes)


def _tallies_of(call: AgentCall | None, react_round: ReactRound | None) -> tuple[TokenTally, ...]:
    if call is None:
        return ()
    return (call.tokens,) if react_round is None else (call.tokens, react_round.tokens)
