"""A realtime agent's session and its turns, as spans.

A session is one conversation a realtime (voice) agent holds: an INTERNAL
span ``realtime_session {agent}`` with the agent, the provider and the model
of its realtime model, where its socket goes when the adapter knows, and,
when it ends, how many turns it held. Each turn is an INTERNAL span
``realtime_turn`` under it: one reply of the agent, as its AgentScope line
defines a reply (2.x: every model response up to the next user turn, tool
calls included; 1.x: one model response), or one utterance of the user,
numbered from 1 in its session, with its role and AgentScope's id for it;
an agent's turn also carries why it ended and the tokens its model
responses reported. The conventions have no operation for either
(``conventions.OP_REALTIME_SESSION``).

A turn is started and ended as the session's events pass (the adapter reads
them); a turn still open when its session ends did not complete, and ends
cancelled. With content capture on, an agent's turn carries what the agent
said, as an output message (``gen_ai.output.messages``) whose text is the
transcript its adapter hands over piece by piece; the pieces are gathered
only while the turn's content is recorded. An error the provider reports on
the socket (not an exception)
fails the turn it happened in, or is an event on the session. Both start
with ``Telemetry.start_part`` (the conversation, and nothing under a span a
sampler dropped).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from opentelemetry.trace import SpanKind

from otelscope.core import conventions as conv
from otelscope.core.operation import Operation
from otelscope.core.streams import step_scope
from otelscope.core.telemetry import Telemetry


class SessionInfo(NamedTuple):
    agent_name: str
    provider: str | None
    model: str | None
    conversation_id: str | None = None
    # Where the realtime model's socket goes, where the agent says.
    server_address: str | None = None
    server_port: int | None = None


# How a turn ended, as AgentScope reports it.
TURN_COMPLETED = "completed"
TURN_INTERRUPTED = "interrupted"
TURN_ERROR = "error"
ROLE_ASSISTANT = "assistant"
# How a turn's ending reads as the finish reason of what the agent said.
_SPOKEN_FINISH = {TURN_COMPLETED: conv.FINISH_STOP, TURN_ERROR: conv.FINISH_ERROR}


class _Turn:
    __slots__ = ("input_tokens", "operation", "output_tokens", "spoken")

    def __init__(self, operation: Operation, spoken: list[str] | None) -> None:
        self.operation = operation
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        # The transcript of what the agent said, gathered only while its
        # content is recorded (None otherwise).
        self.spoken = spoken


class RealtimeSession:
    """One session in flight, with its open turns by reply id."""

    __slots__ = ("_conversation_id", "_telemetry", "_turns", "operation", "turn_count")

    def __init__(
        self, telemetry: Telemetry, operation: Operation, conversation_id: str | None = None
    ) -> None:
        self._telemetry = telemetry
        self.operation = operation
        self._conversation_id = conversation_id
        self._turns: dict[str, _Turn] = {}
        self.turn_count = 0

    def turn_started(self, reply_id: str, role: str) -> None:
        if reply_id in self._turns or self.operation.ended:
            return
        self.turn_count += 1
        with step_scope(self.operation):
            turn = self._telemetry.start_part(
                conv.OP_REALTIME_TURN,
                SpanKind.INTERNAL,
                {
                    conv.OPERATION_NAME: conv.OP_REALTIME_TURN,
                    conv.REALTIME_TURN_NUMBER: self.turn_count,
                    conv.REALTIME_TURN_ROLE: role,
                    conv.REALTIME_TURN_ID: reply_id,
                    conv.CONVERSATION_ID: self._conversation_id,
                },
            )
        wanted = role == ROLE_ASSISTANT and self._telemetry.wants_span_content(turn)
        self._turns[reply_id] = _Turn(turn, [] if wanted else None)

    def turn_spoke(self, reply_id: str, delta: str) -> None:
        """A piece of the transcript of what the agent says in the turn."""
        turn = self._turns.get(reply_id)
        if turn is not None and turn.spoken is not None:
            turn.spoken.append(delta)

    def turn_used(self, reply_id: str, input_tokens: int | None, output_tokens: int | None) -> None:
        """A model response of the turn reported its usage (a turn with tool
        calls has several responses: their usage adds up)."""
        turn = self._turns.get(reply_id)
        if turn is None:
            return
        if input_tokens is not None:
            turn.input_tokens = (turn.input_tokens or 0) + input_tokens
        if output_tokens is not None:
            turn.output_tokens = (turn.output_tokens or 0) + output_tokens

    def turn_ended(self, reply_id: str, finish_reason: str | None) -> None:
        operation = self._closing(reply_id, finish_reason)
        if operation is None:
            return
        if finish_reason is None or finish_reason == TURN_COMPLETED:
            operation.stop()
        elif finish_reason == TURN_INTERRUPTED:
            operation.cancel()
        else:
            operation.fail_as(finish_reason, f"the turn ended: {finish_reason}")

    def turn_failed(self, reply_id: str, error_type: str, message: str) -> None:
        """The provider reported an error in the turn (an error event on the
        socket, not an exception): it ends failed, with the provider's error."""
        operation = self._closing(reply_id, TURN_ERROR)
        if operation is not None:
            operation.fail_as(error_type, message)

    def _closing(self, reply_id: str, finish_reason: str | None) -> Operation | None:
        """Take an open turn off the session, with why it ended and its usage."""
        turn = self._turns.pop(reply_id, None)
        if turn is None:
            return None
        turn.operation.set_all(
            {
                conv.REALTIME_TURN_FINISH_REASON: finish_reason,
                conv.USAGE_INPUT_TOKENS: turn.input_tokens,
                conv.USAGE_OUTPUT_TOKENS: turn.output_tokens,
            }
        )
        self._record_spoken(turn, finish_reason)
        return turn.operation

    def _record_spoken(self, turn: _Turn, finish_reason: str | None) -> None:
        if turn.spoken:
            content = spoken_content("".join(turn.spoken), finish_reason)
            self._telemetry.record_content(turn.operation, content)

    def error_reported(self, error_type: str, message: str) -> None:
        """The provider reported an error outside any turn: an event on the
        session, which goes on."""
        if not self.operation.ended:
            self.operation.span.add_event(
                conv.EVENT_REALTIME_ERROR,
                {conv.ERROR_TYPE: error_type, conv.REALTIME_ERROR_MESSAGE: message},
            )

    def turn_operation(self, reply_id: str) -> Operation | None:
        """The span of a turn still open (to nest the turn's tool calls)."""
        turn = self._turns.get(reply_id)
        return None if turn is None else turn.operation

    def end(self, error: BaseException | None = None, *, cancelled: bool = False) -> None:
        """End the session: its open turns first (cancelled: they did not
        complete), then its span, with the number of turns it held."""
        for turn in self._turns.values():
            self._record_spoken(turn, conv.ERROR_TYPE_CANCELLED)
            turn.operation.cancel()
        self._turns.clear()
        self.operation.set(conv.REALTIME_TURN_COUNT, self.turn_count)
        if error is not None:
            self.operation.fail(error)
        elif cancelled:
            self.operation.cancel()
        else:
            self.operation.stop()


def start_session(telemetry: Telemetry, info: SessionInfo) -> RealtimeSession:
    name = f"{conv.OP_REALTIME_SESSION} {info.agent_name}"
    operation = telemetry.start_part(
        name,
        SpanKind.INTERNAL,
        {
            conv.OPERATION_NAME: conv.OP_REALTIME_SESSION,
            conv.AGENT_NAME: info.agent_name,
            conv.PROVIDER_NAME: info.provider,
            conv.REQUEST_MODEL: info.model,
            conv.CONVERSATION_ID: info.conversation_id,
            conv.SERVER_ADDRESS: info.server_address,
            conv.SERVER_PORT: info.server_port,
        },
    )
    return RealtimeSession(telemetry, operation, info.conversation_id)


def spoken_content(transcript: str, finish_reason: str | None) -> dict[str, Any]:
    """What the agent said in a turn, as the conventions' output message: its
    transcript, and why it ended (``stop`` for a completed turn)."""
    message = {
        "role": ROLE_ASSISTANT,
        "parts": [{"type": "text", "content": transcript}],
        "finish_reason": _SPOKEN_FINISH.get(finish_reason or TURN_COMPLETED, finish_reason),
    }
    return {conv.OUTPUT_MESSAGES: [message]}
