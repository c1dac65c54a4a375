"""The span core: starts the invocations otelscope traces.

``Telemetry`` holds the tracer, the metrics, the content policy and the
event logger. Its ``start_*`` methods decide whether an operation gets a span
of its own (not under a span a sampler dropped), build the attributes known
at its start, and return the invocation object
(``otelscope.core.invocations``) that owns the rest of its life. Adapters
hand it plain records (``otelscope.core.records``); they never touch span
names or attribute keys themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry._logs import Logger
from opentelemetry.trace import Span, SpanKind, Tracer, get_current_span
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.calls import current_call
from otelscope.core.content import ContentPolicy
from otelscope.core.conversation import chosen_conversation_id
from otelscope.core.invocations import (
    AgentCall,
    ChatOperation,
    EmbeddingsOperation,
    ToolOperation,
    WorkflowOperation,
)
from otelscope.core.metrics import Metrics
from otelscope.core.operation import Operation
from otelscope.core.records import (
    AgentInfo,
    ChatRequest,
    EmbeddingsRequest,
    Formatting,
    ToolInfo,
)
from otelscope.core.values import known


class Telemetry:
    """Starts every invocation otelscope traces, and records message
    content on them when capture is on."""

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

    @property
    def metrics(self) -> Metrics:
        """The histograms, for an invocation of a ``core`` module of its own
        (``otelscope.core.speech``) that records them as its span ends."""
        return self._metrics

    def wants_content(self, operation: Operation) -> bool:
        """Whether ``operation``'s content is recorded (on its span or in its
        event): asked before any content is read or serialized, so a span a
        sampler dropped costs none."""
        return self.capturing and operation.span.is_recording()

    def wants_span_content(self, operation: Operation) -> bool:
        """The same for content only spans carry (agent, tool, retrieval,
        memory, speech: the conventions define an event for model calls only)."""
        return self.capturing_on_spans and operation.span.is_recording()

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

    def start_agent_call(self, agent: object, info: AgentInfo) -> AgentCall:
        metric_attributes = known({conv.AGENT_NAME: info.name, conv.REQUEST_MODEL: info.model})
        span = dropped_parent()
        conversation_id = None
        if span is None:
            conversation_id = _conversation_for(info)
            span = self._agent_span(info, conversation_id)
        return AgentCall(
            span,
            agent,
            info.name,
            metric_attributes,
            tracer=self._tracer,
            metrics=self._metrics,
            conversation_id=conversation_id,
            # The call's own span dropped by the sampler, or standing on a dropped one.
            dropped=_dropped(span),
        )

    def _agent_span(self, info: AgentInfo, conversation_id: str | None) -> Span:
        attributes = known(
            {
                conv.OPERATION_NAME: conv.OP_INVOKE_AGENT,
                conv.AGENT_NAME: info.name,
                conv.CONVERSATION_ID: conversation_id,
                conv.AGENT_ID: info.agent_id,
                conv.PROVIDER_NAME: info.provider,
                conv.REQUEST_MODEL: info.model,
                conv.AGENT_DESCRIPTION: info.description,
                conv.AGENT_VERSION: info.version,
            }
        )
        # A remote agent's invocation is a client call (the conventions' kind
        # for an agent in another process).
        return self._tracer.start_span(
            f"{conv.OP_INVOKE_AGENT} {info.name}",
            kind=SpanKind.CLIENT if info.remote else SpanKind.INTERNAL,
            attributes=attributes,
        )

    def start_workflow(self, name: str) -> WorkflowOperation:
        """A multi-agent run (pipeline, hub, team): the agents' calls inside
        it nest under this span, so the whole run is one trace."""
        span = dropped_parent()
        if span is None:
            attributes = known(
                {
                    conv.OPERATION_NAME: conv.OP_INVOKE_WORKFLOW,
                    conv.WORKFLOW_NAME: name,
                    conv.CONVERSATION_ID: _conversation_in(current_call()),
                }
            )
            span = self._tracer.start_span(
                f"{conv.OP_INVOKE_WORKFLOW} {name}", kind=SpanKind.INTERNAL, attributes=attributes
            )
        return WorkflowOperation(span, name, self._metrics)

    def start_chat(self, request: ChatRequest) -> ChatOperation:
        call = current_call()
        metric_attributes = known(
            {
                conv.OPERATION_NAME: conv.OP_CHAT,
                conv.PROVIDER_NAME: request.provider,
                conv.REQUEST_MODEL: request.model,
            }
        )
        # A part of a dropped call stands on its span, in its context; a call
        # outside any agent call looks at the current span.
        span = _dropped_in(call)
        if span is None:
            span = self._chat_span(request, metric_attributes, call)
        return ChatOperation(
            span,
            metric_attributes,
            call,
            metrics=self._metrics,
            events=self._events,
            attached=call is None or not call.dropped,
            in_round=not request.between_rounds,
        )

    def _chat_span(
        self,
        request: ChatRequest,
        metric_attributes: dict[str, AttributeValue],
        call: AgentCall | None,
    ) -> Span:
        attributes = {**metric_attributes, conv.REQUEST_STREAM: request.stream}
        attributes.update(
            known(
                {
                    conv.CONVERSATION_ID: _conversation_in(call),
                    conv.REQUEST_TEMPERATURE: request.temperature,
                    conv.REQUEST_MAX_TOKENS: request.max_tokens,
                    conv.REQUEST_TOP_P: request.top_p,
                    conv.OUTPUT_TYPE: request.output_type,
                }
            )
        )
        if request.formatting is not None:
            attributes.update(_formatting_attributes(request.formatting))
        name = f"{conv.OP_CHAT} {request.model}" if request.model else conv.OP_CHAT
        return self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)

    def start_embeddings(self, request: EmbeddingsRequest) -> EmbeddingsOperation:
        metric_attributes = known(
            {
                conv.OPERATION_NAME: conv.OP_EMBEDDINGS,
                conv.PROVIDER_NAME: request.provider,
                conv.REQUEST_MODEL: request.model,
            }
        )
        span = dropped_parent()
        if span is None:
            attributes = {**metric_attributes}
            attributes.update(known({conv.CONVERSATION_ID: _conversation_in(current_call())}))
            name = f"{conv.OP_EMBEDDINGS} {request.model}" if request.model else conv.OP_EMBEDDINGS
            span = self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        return EmbeddingsOperation(span, metric_attributes, request.dimensions, self._metrics)

    def start_part(
        self, name: str, kind: SpanKind, attributes: Mapping[str, AttributeValue | None]
    ) -> Operation:
        """Any other operation of the running code (a retrieval, a memory
        operation, a speech call, ...): a span named ``name`` with the known
        ``attributes`` and the conversation, or, under a dropped span, an
        operation that stands on it and builds nothing. Its module in
        ``core`` names the attributes; ``Operation`` ends it."""
        call = current_call()
        dropped = _dropped_in(call)
        if dropped is not None:
            return Operation(dropped, attached=call is None or not call.dropped)
        values = known(attributes)
        conversation_id = _conversation_in(call)
        if conversation_id is not None:
            values[conv.CONVERSATION_ID] = conversation_id
        return Operation(self._tracer.start_span(name, kind=kind, attributes=values))

    def start_tool(self, info: ToolInfo) -> ToolOperation:
        call = current_call()
        metric_attributes: dict[str, AttributeValue] = {
            conv.TOOL_NAME: info.name,
            conv.TOOL_TYPE: conv.TOOL_TYPE_FUNCTION,
        }
        if call is not None:
            metric_attributes[conv.AGENT_NAME] = call.agent_name
        span = _dropped_in(call)
        if span is None:
            return ToolOperation(self._tool_span(info, call), metric_attributes, self._metrics)
        return ToolOperation(
            span, metric_attributes, self._metrics, attached=call is None or not call.dropped
        )

    def _tool_span(self, info: ToolInfo, call: AgentCall | None) -> Span:
        attributes = known(
            {
                conv.OPERATION_NAME: conv.OP_EXECUTE_TOOL,
                conv.TOOL_NAME: info.name,
                conv.TOOL_TYPE: conv.TOOL_TYPE_FUNCTION,
                conv.TOOL_CALL_ID: info.call_id,
                conv.TOOL_DESCRIPTION: info.description,
                conv.CONVERSATION_ID: _conversation_in(call),
            }
        )
        if info.endpoint:
            attributes.update(info.endpoint)
        return self._tracer.start_span(
            f"{conv.OP_EXECUTE_TOOL} {info.name}", kind=SpanKind.INTERNAL, attributes=attributes
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
    return call.span if call.dropped else None


def _conversation_for(info: AgentInfo) -> str | None:
    """The call's conversation: the one chosen around it, AgentScope's, or
    the calling agent's."""
    conversation_id = chosen_conversation_id() or info.conversation_id
    if conversation_id is None:
        outer = current_call()
        conversation_id = outer.conversation_id if outer is not None else None
    return conversation_id


def _conversation_in(call: AgentCall | None) -> str | None:
    """The conversation of a span started in the running code, which belongs
    to ``call``."""
    chosen = chosen_conversation_id()
    if chosen is not None:
        return chosen
    return call.conversation_id if call is not None else None


def _formatting_attributes(formatting: Formatting) -> dict[str, AttributeValue]:
    return known(
        {
            conv.FORMATTER_NAME: formatting.formatter,
            conv.FORMATTER_INPUT_MESSAGES: formatting.input_messages,
            conv.FORMATTER_TRUNCATED_MESSAGES: formatting.truncated_messages,
        }
    )
