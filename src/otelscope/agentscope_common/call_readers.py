"""Reading what both AgentScope lines shape alike: embedding calls and tool
calls. Each line passes the one fact that differs (the model's name
attribute, how a toolkit describes a tool, how a tool call ends)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from otelscope.agentscope_common.messages import tool_arguments, tool_output
from otelscope.agentscope_common.providers import provider_for_class
from otelscope.core.records import EmbeddingsRequest, EmbeddingsResult, ToolInfo
from otelscope.core.tool_call import ToolOutcome
from otelscope.core.values import field, integer, text


def embeddings_request(model: Any, name_attribute: str) -> EmbeddingsRequest:
    return EmbeddingsRequest(
        provider=provider_for_class(type(model)),
        model=text(getattr(model, name_attribute, None)),
        dimensions=integer(getattr(model, "dimensions", None)),
    )


def embeddings_result(response: Any) -> EmbeddingsResult:
    return EmbeddingsResult(
        input_tokens=integer(getattr(getattr(response, "usage", None), "tokens", None))
    )


# A line's reading of a registered tool: its description, and where another
# process serves it (``otelscope.agentscope_common.mcp_endpoints``).
ToolFacts = tuple[str | None, Mapping[str, AttributeValue] | None]


def tool_info(toolkit: Any, tool_call: Any, describe: Callable[[Any, str], ToolFacts]) -> ToolInfo:
    name = text(field(tool_call, "name")) or "unknown_tool"
    description, endpoint = describe(toolkit, name)
    return ToolInfo(
        name=name, call_id=text(field(tool_call, "id")), description=description, endpoint=endpoint
    )


class AgentScopeToolReader:
    """The ``core.tool_call.ToolReader`` of an AgentScope line: tool calls
    carry their arguments in ``input`` and their result blocks in ``content``
    on both lines; the description and the outcome are the line's own."""

    def __init__(
        self,
        describe: Callable[[Any, str], ToolFacts],
        outcome: Callable[[Any], ToolOutcome | None],
    ) -> None:
        self._describe = describe
        self._outcome = outcome

    def info(self, toolkit: Any, tool_call: Any) -> ToolInfo:
        return tool_info(toolkit, tool_call, self._describe)

    def outcome(self, item: Any) -> ToolOutcome | None:
        return self._outcome(item)

    def arguments(self, tool_call: Any) -> Any:
        return tool_arguments(field(tool_call, "input"))

    def result(self, item: Any) -> Any:
        return tool_output(getattr(item, "content", None))
