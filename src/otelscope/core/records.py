"""What adapters read from AgentScope objects, as plain records.

Adapters translate AgentScope's agents, models, requests and responses into
these records and hand them to ``otelscope.core.telemetry.Telemetry``; the
core never reads an AgentScope object. They are named tuples: one is built
for every operation, and a tuple costs a fraction of a frozen dataclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from opentelemetry.util.types import AttributeValue

from otelscope.core.served import ServedResult


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
    # The `gen_ai.output.type` the caller always asks for (JSON, for a
    # structured-output call), where the entry point says so.
    output_type: str | None = None
    # The call runs between its agent's ReAct rounds, not in one (a context
    # compression's summary while the previous round is still open): its
    # tokens count toward its agent call's roll-up alone.
    between_rounds: bool = False


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
