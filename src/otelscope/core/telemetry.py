"""The span core: GenAI spans for agent calls, ReAct rounds, model and tool calls.

Adapters translate AgentScope objects into the plain records below
(``AgentInfo``, ``ChatRequest``, ``ChatResult``, ``ToolInfo``) and call
``Telemetry``; they never touch span names or attribute keys themselves.
The records are named tuples: one is built for every operation, and a tuple
costs a fraction of a frozen dataclass to make.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from opentelemetry._logs import Logger
from opentelemetry.trace import Span, SpanKind, Tracer, get_current_span
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.calls import AgentCall, ReactRound, TokenTally, current_call
from otelscope.core.content import ContentPolicy
from otelscope.core.conversation import chosen_conversation_id
from otelscope.core.metrics import Metrics
from otelscope.core.operation import Operation
from otelscope.core.served import Served, ServedResult, merged


class AgentInfo(NamedTuple):
    """What an agent call is about, read from the agent."""

    name: str
    agent_id: str | None
    provider: str | None
    model: str | None
    # The conversation as AgentScope names it (1.x run id, 2.x session id).
    conversation_id: str | None = None
    # An agent in another process (A2A): a CLIENT span, which the protocol's
    # SDK reports to (``otelscope.core.remote``).
    remote: bool = False
    description: str | None = None
    version: str | None = None


class Formatting(NamedTuple):
    """How a framework formatter turned messages into a model's input."""

    formatter: str
    input_messages: int | None = None
    # None: the formatter cannot truncate.
    truncated_messages: int | None = None


class ChatRequest(NamedTuple):
    """What a model call asks for, read from the model and its arguments."""

    provider: str
    model: str | None
    stream: bool
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    formatting: Formatting | None = None


class ChatResult(NamedTuple):
    """What the framework's response object says of a model call; the
    provider's own report (``otelscope.core.served``) wins over it."""

    response: ServedResult | None = None
    # A response that the framework built from a cancellation (AgentScope 2.x
    # returns an "interrupted" response instead of raising).
    interrupted: bool = False


class EmbeddingsRequest(NamedTuple):
    """What an embedding call asks for."""

    provider: str
    model: str | None
    dimensions: int | None


class EmbeddingsResult(NamedTuple):
    """What an embedding model reported."""

    input_tokens: int | None = None


class ToolInfo(NamedTuple):
    """The tool a tool call runs."""

    name: str
    call_id: str | None
    description: str | None
    # Where another process serves the tool (an MCP server): the transport
    # and endpoint attributes, known before the call starts.
    endpoint: Mapping[str, AttributeValue] | None = None


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


class ChatOperation(ModelOperation):
    """A model call; tracks the time to the first streamed chunk and what the
    model reported, for the span, the metrics and the token roll-up."""

    __slots__ = (
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
        attached: bool = True,
    ) -> None:
        super().__init__(span, attached)
        self.metric_attributes = metric_attributes
        self.time_to_first_chunk: float | None = None
        # What the provider's SDK reported (otelscope.core.served), if any,
        # and the response as recorded: the provider's report over the
        # framework's.
        self._served: Served | None = None
        self.result: ServedResult | None = None
        # Rendered content kept for the inference event (event capture modes).
        self.event_content: dict[str, str] = {}
        # The call and round this model call belongs to, whose roll-ups it feeds.
        self.tallies = _tallies_of(call, call.round if call is not None else None)

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

    __slots__ = ("dimensions", "input_tokens", "metric_attributes", "response_model")

    def __init__(
        self, span: Span, metric_attributes: dict[str, AttributeValue], dimensions: int | None
    ) -> None:
        super().__init__(span)
        self.metric_attributes = metric_attributes
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


class Telemetry:
    """Starts and ends every span otelscope makes, records the metrics, and
    the message content when capture is on."""

    def __init__(
        self,
        tracer: Tracer,
        metrics: Metrics,
        content: ContentPolicy | None = None,
        events: Logger | None = None,
    ) -> None:
        self._tracer = tracer
        self._metrics = metrics
        self._content = content if content is not None else ContentPolicy()
        self._events = events
        # Read on every operation; the policy is frozen, so they are read once.
        # Whether message content is recorded at all: adapters build none
        # (serialize nothing) when it is not.
        self.capturing = self._content.enabled
        # Whether agent and tool content is recorded: only spans carry it
        # (the conventions define an event for model calls alone).
        self.capturing_on_spans = self._content.on_spans

    def record_content(self, operation: Operation, values: Mapping[str, Any]) -> None:
        """Content values (in the conventions' shape) of ``operation``: set on
        its span, and kept for its event, as the capture mode says."""
        if not operation.span.is_recording():
            # A dropped span: no content is rendered, redacted or kept.
            return
        policy = self._content
        for key, value in values.items():
            if value is None or operation.ended:
                continue
            rendered = policy.render(key, value)
            if rendered is None:
                continue
            if policy.on_spans:
                operation.set(key, rendered)
            if policy.on_events and isinstance(operation, ChatOperation):
                operation.event_content[key] = rendered

    # -- agent calls --------------------------------------------------------

    def start_agent_call(self, agent: object, info: AgentInfo) -> AgentCall:
        metric_attributes: dict[str, AttributeValue] = {conv.AGENT_NAME: info.name}
        _put(metric_attributes, conv.REQUEST_MODEL, info.model)
        span = dropped_parent()
        conversation_id = None
        if span is None:
            conversation_id = _conversation_for(info)
            span = self._agent_span(info, conversation_id)
        operation = Operation(span)
        record = self._metrics.agent_call
        operation.on_end = lambda op, error_type: record(
            metric_attributes, op.duration(), error_type, op.context
        )
        # The call's own span dropped by the sampler, or standing on a dropped one.
        return AgentCall(agent, info.name, operation, conversation_id, _dropped(span))

    def _agent_span(self, info: AgentInfo, conversation_id: str | None) -> Span:
        attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_INVOKE_AGENT,
            conv.AGENT_NAME: info.name,
        }
        _put_known(
            attributes,
            {
                conv.CONVERSATION_ID: conversation_id,
                conv.AGENT_ID: info.agent_id,
                conv.PROVIDER_NAME: info.provider,
                conv.REQUEST_MODEL: info.model,
                conv.AGENT_DESCRIPTION: info.description,
                conv.AGENT_VERSION: info.version,
            },
        )
        # A remote agent's invocation is a client call (the conventions' kind
        # for an agent in another process).
        return self._tracer.start_span(
            f"{conv.OP_INVOKE_AGENT} {info.name}",
            kind=SpanKind.CLIENT if info.remote else SpanKind.INTERNAL,
            attributes=attributes,
        )

    def end_agent_call(self, call: AgentCall, error: BaseException | None = None) -> None:
        """End the call and whatever round of it is still open, the same way:
        a round open when its call fails or is cancelled did not complete."""
        open_round, call.round = call.round, None
        completed = error is None and not call.cancelled
        if open_round is not None:
            if completed:
                self.end_round(open_round)
            else:
                self.fail_round(open_round, error)
        _put_rollup(call.operation, call.tokens)
        _pass_tokens_up(call)
        if error is not None:
            call.operation.fail(error)
        elif call.cancelled:
            call.operation.cancel()
        else:
            call.operation.stop()

    # -- multi-agent workflows ------------------------------------------------

    def start_workflow(self, name: str) -> Operation:
        """A multi-agent run (pipeline, hub, team): the agents' calls inside
        it nest under this span, so the whole run is one trace."""
        span = dropped_parent()
        if span is None:
            attributes: dict[str, AttributeValue] = {
                conv.OPERATION_NAME: conv.OP_INVOKE_WORKFLOW,
                conv.WORKFLOW_NAME: name,
            }
            _put(attributes, conv.CONVERSATION_ID, _conversation_here())
            span = self._tracer.start_span(
                f"{conv.OP_INVOKE_WORKFLOW} {name}", kind=SpanKind.INTERNAL, attributes=attributes
            )
        operation = Operation(span)
        metric_attributes: dict[str, AttributeValue] = {conv.WORKFLOW_NAME: name}
        record = self._metrics.workflow
        operation.on_end = lambda op, error_type: record(
            metric_attributes, op.duration(), error_type, op.context
        )
        return operation

    # -- ReAct rounds -------------------------------------------------------

    def begin_round(self, call: AgentCall) -> ReactRound:
        """Close the call's open round, if any, and open the next one."""
        if call.round is not None:
            self.end_round(call.round)
        call.rounds += 1
        span = call.operation.span
        if not call.dropped:
            span = self._tracer.start_span(
                conv.REACT_STEP_SPAN_NAME,
                context=call.operation.context,
                kind=SpanKind.INTERNAL,
                attributes=_in_conversation(
                    {conv.OPERATION_NAME: conv.OP_REACT, conv.REACT_ROUND: call.rounds},
                    call.conversation_id,
                ),
            )
        call.round = ReactRound(Operation(span, not call.dropped), call.rounds)
        return call.round

    def round_for_acting(self, call: AgentCall) -> ReactRound:
        """The round a tool call belongs to; opens one if the call acts first
        (a reply resumed with tool results acts before it reasons)."""
        current = call.round if call.round is not None else self.begin_round(call)
        current.acted = True
        return current

    def end_round(self, react_round: ReactRound) -> None:
        finish = conv.REACT_FINISH_TOOL_CALLS if react_round.acted else conv.REACT_FINISH_STOP
        _put_rollup(react_round.operation, react_round.tokens, {conv.REACT_FINISH_REASON: finish})
        react_round.operation.stop()

    @staticmethod
    def fail_round(react_round: ReactRound, error: BaseException | None) -> None:
        """End a round that did not complete: failed by ``error``, or
        cancelled when there is none."""
        _put_rollup(react_round.operation, react_round.tokens)
        if error is None:
            react_round.operation.cancel()
        else:
            react_round.operation.fail(error)

    # -- model and tool calls -----------------------------------------------

    def start_chat(self, request: ChatRequest) -> ChatOperation:
        call = current_call()
        metric_attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_CHAT,
            conv.PROVIDER_NAME: request.provider,
        }
        if request.model is not None:
            metric_attributes[conv.REQUEST_MODEL] = request.model
        # A part of a dropped call stands on its span, in its context; a call
        # outside any agent call looks at the current span.
        dropped = _dropped_in(call)
        if dropped is None:
            attributes = {**metric_attributes, conv.REQUEST_STREAM: request.stream}
            _put_known(
                attributes,
                {
                    conv.CONVERSATION_ID: _conversation_in(call),
                    conv.REQUEST_TEMPERATURE: request.temperature,
                    conv.REQUEST_MAX_TOKENS: request.max_tokens,
                    conv.REQUEST_TOP_P: request.top_p,
                },
            )
            if request.formatting is not None:
                _put_formatting(attributes, request.formatting)
            name = f"{conv.OP_CHAT} {request.model}" if request.model else conv.OP_CHAT
            span = self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        operation = ChatOperation(
            span if dropped is None else dropped,
            metric_attributes,
            call,
            attached=call is None or not call.dropped,
        )
        operation.on_end = self._model_call_ended
        return operation

    def start_embeddings(self, request: EmbeddingsRequest) -> EmbeddingsOperation:
        metric_attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_EMBEDDINGS,
            conv.PROVIDER_NAME: request.provider,
        }
        _put(metric_attributes, conv.REQUEST_MODEL, request.model)
        span = dropped_parent()
        if span is None:
            attributes = _in_conversation(dict(metric_attributes), _conversation_here())
            name = f"{conv.OP_EMBEDDINGS} {request.model}" if request.model else conv.OP_EMBEDDINGS
            span = self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        operation = EmbeddingsOperation(span, metric_attributes, request.dimensions)
        operation.on_end = self._embeddings_ended
        return operation

    def start_tool(self, info: ToolInfo) -> Operation:
        call = current_call()
        dropped = _dropped_in(call)
        if dropped is None:
            operation = Operation(self._tool_span(info, call))
        else:
            operation = Operation(dropped, attached=call is None or not call.dropped)
        metric_attributes: dict[str, AttributeValue] = {
            conv.TOOL_NAME: info.name,
            conv.TOOL_TYPE: conv.TOOL_TYPE_FUNCTION,
        }
        if call is not None:
            metric_attributes[conv.AGENT_NAME] = call.agent_name
        record = self._metrics.tool_call
        operation.on_end = lambda op, error_type: record(
            metric_attributes, op.duration(), error_type, op.context
        )
        return operation

    def _tool_span(self, info: ToolInfo, call: AgentCall | None) -> Span:
        attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_EXECUTE_TOOL,
            conv.TOOL_NAME: info.name,
            conv.TOOL_TYPE: conv.TOOL_TYPE_FUNCTION,
        }
        _put_known(
            attributes,
            {
                conv.TOOL_CALL_ID: info.call_id,
                conv.TOOL_DESCRIPTION: info.description,
                conv.CONVERSATION_ID: _conversation_in(call),
            },
        )
        if info.endpoint:
            attributes.update(info.endpoint)
        return self._tracer.start_span(
            f"{conv.OP_EXECUTE_TOOL} {info.name}", kind=SpanKind.INTERNAL, attributes=attributes
        )

    def _embeddings_ended(self, operation: Operation, error_type: str | None) -> None:
        assert isinstance(operation, EmbeddingsOperation)
        self._metrics.model_call(
            _with_served(operation.metric_attributes, operation.response_model, operation.served),
            operation.duration(),
            error_type,
            input_tokens=operation.input_tokens,
            output_tokens=None,
            time_to_first_chunk=None,
            context=operation.context,
        )

    def _model_call_ended(self, operation: Operation, error_type: str | None) -> None:
        assert isinstance(operation, ChatOperation)
        result = operation.result
        attributes = _with_served(
            operation.metric_attributes,
            result.response_model if result is not None else None,
            operation.served,
        )
        if operation.event_content and self._events is not None:
            self._events.emit(
                event_name=conv.EVENT_INFERENCE_DETAILS,
                attributes={**attributes, **operation.event_content},
                context=operation.context,
            )
        self._metrics.model_call(
            attributes,
            operation.duration(),
            error_type,
            input_tokens=result.input_tokens if result is not None else None,
            output_tokens=result.output_tokens if result is not None else None,
            time_to_first_chunk=operation.time_to_first_chunk,
            context=operation.context,
        )


def dropped_parent() -> Span | None:
    """The current span when a sampler in this process dropped it, else None.

    Every standard sampler decides once per trace (``ParentBased`` follows
    the parent, ``TraceIdRatioBased`` looks at the trace id only), so a span
    started under a dropped one would be dropped too. otelscope starts none
    there: the operation stands on the dropped span, whose context keeps
    flowing (``sampled=0``) to everything the call reaches, and records its
    metrics as usual. A remote parent (an incoming ``traceparent``) is left to
    the sampler: an ``ALWAYS_ON`` sampler records under an unsampled one."""
    span = get_current_span()
    return span if _dropped(span) and not span.get_span_context().is_remote else None


def _dropped(span: Span) -> bool:
    """``span`` is one a sampler dropped: valid, and neither recording nor
    sampled (an ended span is not recording either, but was sampled)."""
    if span.is_recording():
        return False
    context = span.get_span_context()
    return context.is_valid and not context.trace_flags.sampled


def _dropped_in(call: AgentCall | None) -> Span | None:
    """The dropped span a part of ``call`` stands on (see ``dropped_parent``):
    the call's, when its trace was dropped; outside any call, the current one."""
    if call is None:
        return dropped_parent()
    return call.operation.span if call.dropped else None


def _conversation_for(info: AgentInfo) -> str | None:
    """The call's conversation: the one chosen around it, AgentScope's, or
    the calling agent's."""
    conversation_id = chosen_conversation_id() or info.conversation_id
    if conversation_id is None:
        outer = current_call()
        conversation_id = outer.conversation_id if outer is not None else None
    return conversation_id


def _with_served(
    attributes: dict[str, AttributeValue], response_model: str | None, served: Served | None
) -> dict[str, AttributeValue]:
    """A model call's metric attributes, with the model that answered and
    the endpoint reached, when known."""
    if response_model is None and served is None:
        return attributes
    extra: dict[str, AttributeValue] = {}
    _put(extra, conv.RESPONSE_MODEL, response_model)
    if served is not None:
        _put(extra, conv.SERVER_ADDRESS, served.address)
        _put(extra, conv.SERVER_PORT, served.port)
    return {**attributes, **extra}


def _conversation_here() -> str | None:
    """The conversation of a span started in the running code."""
    return _conversation_in(current_call())


def _conversation_in(call: AgentCall | None) -> str | None:
    """The conversation of a span started in the running code, which belongs
    to ``call``."""
    chosen = chosen_conversation_id()
    if chosen is not None:
        return chosen
    return call.conversation_id if call is not None else None


def _in_conversation(
    attributes: dict[str, AttributeValue], conversation_id: str | None
) -> dict[str, AttributeValue]:
    _put(attributes, conv.CONVERSATION_ID, conversation_id)
    return attributes


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


def _pass_tokens_up(call: AgentCall) -> None:
    """A nested call's tokens count toward its caller's call and round."""
    if not call.tokens.reported:
        return
    for tally in _tallies_of(call.parent, call.parent_round):
        tally.add(call.tokens.input, call.tokens.output)


def _tallies_of(call: AgentCall | None, react_round: ReactRound | None) -> tuple[TokenTally, ...]:
    if call is None:
        return ()
    return (call.tokens,) if react_round is None else (call.tokens, react_round.tokens)


def _put_formatting(attributes: dict[str, AttributeValue], formatting: Formatting) -> None:
    attributes[conv.FORMATTER_NAME] = formatting.formatter
    _put(attributes, conv.FORMATTER_INPUT_MESSAGES, formatting.input_messages)
    _put(attributes, conv.FORMATTER_TRUNCATED_MESSAGES, formatting.truncated_messages)


def _put_known(
    attributes: dict[str, AttributeValue], values: dict[str, AttributeValue | None]
) -> None:
    """Add the ``values`` that are known (not None) to ``attributes``."""
    for key, value in values.items():
        if value is not None:
            attributes[key] = value


def _put(attributes: dict[str, AttributeValue], key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attributes[key] = value
