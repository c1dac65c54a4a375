"""The span core: GenAI spans for agent calls, ReAct rounds, model and tool calls.

Adapters translate AgentScope objects into the plain records below
(``AgentInfo``, ``ChatRequest``, ``ChatResult``, ``ToolInfo``) and call
``Telemetry``; they never touch span names or attribute keys themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.calls import AgentCall, ReactRound
from otelscope.core.operation import Operation


@dataclass(frozen=True)
class AgentInfo:
    """What an agent call is about, read from the agent."""

    name: str
    agent_id: str | None
    provider: str | None
    model: str | None


@dataclass(frozen=True)
class ChatRequest:
    """What a model call asks for, read from the model and its arguments."""

    provider: str
    model: str | None
    stream: bool
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None


@dataclass(frozen=True)
class ChatResult:
    """What a model reported about its response."""

    response_id: str | None = None
    finish_reasons: tuple[str, ...] | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    # A response that the framework built from a cancellation (AgentScope 2.x
    # returns an "interrupted" response instead of raising).
    interrupted: bool = False


@dataclass(frozen=True)
class ToolInfo:
    """The tool a tool call runs."""

    name: str
    call_id: str | None
    description: str | None


class ChatOperation(Operation):
    """A model call; tracks the time to the first streamed chunk."""

    __slots__ = ("_first_chunk_seen", "_started")

    def __init__(self, span: Span) -> None:
        super().__init__(span)
        self._started = time.monotonic()
        self._first_chunk_seen = False

    def chunk_arrived(self) -> None:
        """Record the time to the first chunk of a streamed response."""
        if not self._first_chunk_seen:
            self._first_chunk_seen = True
            self.set(conv.RESPONSE_TIME_TO_FIRST_CHUNK, time.monotonic() - self._started)

    def finish(self, result: ChatResult | None) -> None:
        """Record what the model reported and end the span."""
        if result is not None:
            self.set(conv.RESPONSE_ID, result.response_id)
            self.set(conv.RESPONSE_FINISH_REASONS, result.finish_reasons)
            self.set(conv.USAGE_INPUT_TOKENS, result.input_tokens)
            self.set(conv.USAGE_OUTPUT_TOKENS, result.output_tokens)
            if result.interrupted:
                self.cancel()
                return
        self.stop()


class Telemetry:
    """Starts and ends every span otelscope makes, with one tracer."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    # -- agent calls --------------------------------------------------------

    def start_agent_call(self, agent: object, info: AgentInfo) -> AgentCall:
        attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_INVOKE_AGENT,
            conv.AGENT_NAME: info.name,
        }
        _put(attributes, conv.AGENT_ID, info.agent_id)
        _put(attributes, conv.PROVIDER_NAME, info.provider)
        _put(attributes, conv.REQUEST_MODEL, info.model)
        span = self._tracer.start_span(
            f"{conv.OP_INVOKE_AGENT} {info.name}", kind=SpanKind.INTERNAL, attributes=attributes
        )
        return AgentCall(agent, Operation(span))

    def end_agent_call(self, call: AgentCall, error: BaseException | None = None) -> None:
        """End the call and whatever round of it is still open, the same way:
        a round open when its call fails or is cancelled did not complete."""
        open_round, call.round = call.round, None
        if error is not None:
            if open_round is not None:
                open_round.operation.fail(error)
            call.operation.fail(error)
        elif call.cancelled:
            if open_round is not None:
                open_round.operation.cancel()
            call.operation.cancel()
        else:
            if open_round is not None:
                self.end_round(open_round)
            call.operation.stop()

    # -- ReAct rounds -------------------------------------------------------

    def begin_round(self, call: AgentCall) -> ReactRound:
        """Close the call's open round, if any, and open the next one."""
        if call.round is not None:
            self.end_round(call.round)
        call.rounds += 1
        span = self._tracer.start_span(
            conv.REACT_STEP_SPAN_NAME,
            context=call.operation.context,
            kind=SpanKind.INTERNAL,
            attributes={conv.OPERATION_NAME: conv.OP_REACT, conv.REACT_ROUND: call.rounds},
        )
        call.round = ReactRound(Operation(span), call.rounds)
        return call.round

    def round_for_acting(self, call: AgentCall) -> ReactRound:
        """The round a tool call belongs to; opens one if the call acts first
        (a reply resumed with tool results acts before it reasons)."""
        current = call.round if call.round is not None else self.begin_round(call)
        current.acted = True
        return current

    def end_round(self, react_round: ReactRound) -> None:
        finish = conv.REACT_FINISH_TOOL_CALLS if react_round.acted else conv.REACT_FINISH_STOP
        react_round.operation.set(conv.REACT_FINISH_REASON, finish)
        react_round.operation.stop()

    # -- model and tool calls -----------------------------------------------

    def start_chat(self, request: ChatRequest) -> ChatOperation:
        attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_CHAT,
            conv.PROVIDER_NAME: request.provider,
            conv.REQUEST_STREAM: request.stream,
        }
        _put(attributes, conv.REQUEST_MODEL, request.model)
        _put(attributes, conv.REQUEST_TEMPERATURE, request.temperature)
        _put(attributes, conv.REQUEST_MAX_TOKENS, request.max_tokens)
        _put(attributes, conv.REQUEST_TOP_P, request.top_p)
        name = f"{conv.OP_CHAT} {request.model}" if request.model else conv.OP_CHAT
        return ChatOperation(
            self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        )

    def start_tool(self, info: ToolInfo) -> Operation:
        attributes: dict[str, AttributeValue] = {
            conv.OPERATION_NAME: conv.OP_EXECUTE_TOOL,
            conv.TOOL_NAME: info.name,
            conv.TOOL_TYPE: conv.TOOL_TYPE_FUNCTION,
        }
        _put(attributes, conv.TOOL_CALL_ID, info.call_id)
        _put(attributes, conv.TOOL_DESCRIPTION, info.description)
        span = self._tracer.start_span(
            f"{conv.OP_EXECUTE_TOOL} {info.name}", kind=SpanKind.INTERNAL, attributes=attributes
        )
        return Operation(span)


def _put(attributes: dict[str, AttributeValue], key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attributes[key] = value
