"""Reading AgentScope 1.x objects into the core's plain records.

Pure functions with no side effects: every value is read defensively, since a
user's agent, model or tool call may lack any attribute, and an unreadable
value is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otelscope.agentscope_common import call_readers
from otelscope.agentscope_common.messages import items_of
from otelscope.agentscope_common.providers import provider_for_class
from otelscope.agentscope_v1 import a2a_agents, mcp_tools
from otelscope.agentscope_v1.tool_failures import WATCHED_ATTRIBUTE
from otelscope.core.guard import report_internal_error
from otelscope.core.records import (
    AgentInfo,
    ChatRequest,
    ChatResult,
    EmbeddingsRequest,
    EmbeddingsResult,
    Formatting,
)
from otelscope.core.served import ServedResult
from otelscope.core.tool_call import ToolOutcome
from otelscope.core.values import field, integer, number, text


def agent_info(agent: Any) -> AgentInfo:
    if isinstance(agent, a2a_agents.REMOTE_AGENTS):
        return a2a_agents.agent_info(agent, run_id())
    model = getattr(agent, "model", None)
    return AgentInfo(
        name=text(getattr(agent, "name", None)) or type(agent).__name__,
        agent_id=text(getattr(agent, "id", None)),
        provider=provider_for_class(type(model)) if model is not None else None,
        model=text(getattr(model, "model_name", None)) if model is not None else None,
        conversation_id=run_id(),
    )


def run_id() -> str | None:
    """1.x's run id: ``agentscope.init(run_id=...)`` sets it for the current
    context (and the tasks started from it); otherwise one per process."""
    try:
        import agentscope

        return text(agentscope._config.run_id)
    except Exception:
        report_internal_error("reading AgentScope's run id")
        return None


def chat_request(
    model: Any, kwargs: Mapping[str, Any], formatting: Formatting | None = None
) -> ChatRequest:
    # Built-in models keep default parameters in `generate_kwargs`; a call's
    # own keyword arguments override them.
    defaults = getattr(model, "generate_kwargs", None)
    params: dict[str, Any] = dict(defaults) if isinstance(defaults, Mapping) else {}
    params.update(kwargs)
    return ChatRequest(
        provider=provider_for_class(type(model)),
        model=text(getattr(model, "model_name", None)),
        stream=getattr(model, "stream", False) is True,
        temperature=number(params.get("temperature")),
        max_tokens=integer(params.get("max_tokens")),
        top_p=number(params.get("top_p")),
        formatting=formatting,
    )


def chat_result(response: Any) -> ChatResult:
    """1.x responses carry an id and usage; they report no finish reason
    (the provider's is read in its SDK)."""
    usage = getattr(response, "usage", None)
    return ChatResult(
        ServedResult(
            response_id=text(getattr(response, "id", None)),
            input_tokens=integer(getattr(usage, "input_tokens", None)),
            output_tokens=integer(getattr(usage, "output_tokens", None)),
        )
    )


def embeddings_request(model: Any) -> EmbeddingsRequest:
    return call_readers.embeddings_request(model, "model_name")


def embeddings_result(response: Any) -> EmbeddingsResult:
    return call_readers.embeddings_result(response)


def from_provider_format(messages: Any) -> Any:
    """Provider-format chat messages (what a 1.x formatter gives the model) in
    AgentScope's block shape: OpenAI-style ``tool_calls`` and ``tool``
    messages become ``tool_use`` / ``tool_result`` blocks; other shapes pass
    through as they are."""
    if not isinstance(messages, list):
        return messages
    return [_from_provider_message(m) if isinstance(m, Mapping) else m for m in messages]


def _from_provider_message(message: Mapping[str, Any]) -> Mapping[str, Any]:
    if "content" not in message and isinstance(message.get("parts"), list):
        return _from_gemini_message(message)
    content = message.get("content")
    # Content of another shape (a number, binary data) holds no blocks.
    blocks: list[Any] = (
        [{"type": "text", "text": content}] if isinstance(content, str) else items_of(content)
    )
    if message.get("role") == "tool":
        output = content if isinstance(content, str) else blocks
        result = {"type": "tool_result", "id": message.get("tool_call_id"), "output": output}
        return {"role": "tool", "content": [result]}
    for call in items_of(message.get("tool_calls")):
        function = call.get("function", {}) if isinstance(call, Mapping) else {}
        blocks.append(
            {
                "type": "tool_use",
                "id": field(call, "id"),
                "name": field(function, "name"),
                "input": field(function, "arguments"),
            }
        )
    return {"role": message.get("role"), "content": blocks}


def _from_gemini_message(message: Mapping[str, Any]) -> Mapping[str, Any]:
    """Gemini's format: ``parts`` of text, ``function_call`` and
    ``function_response``, and the role ``model`` for the assistant."""
    blocks: list[Any] = []
    for part in message["parts"]:
        call = field(part, "function_call")
        response = field(part, "function_response")
        if call is not None:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": field(call, "id"),
                    "name": field(call, "name"),
                    "input": field(call, "args"),
                }
            )
        elif response is not None:
            output = field(response, "response")
            blocks.append({"type": "tool_result", "id": field(response, "id"), "output": output})
        else:
            blocks.append(part)
    role = message.get("role")
    return {"role": "assistant" if role == "model" else role, "content": blocks}


def is_interrupted_reply(message: Any) -> bool:
    """1.x turns a cancelled reply into a message flagged in its metadata."""
    metadata = getattr(message, "metadata", None)
    # The key was `is_interrupted` before it became `_is_interrupted`.
    return isinstance(metadata, Mapping) and any(
        metadata.get(key) is True for key in ("_is_interrupted", "is_interrupted")
    )


def tool_outcome(response: Any) -> ToolOutcome:
    """1.x chunks are cumulative; each says whether the tool was interrupted.
    (1.x reports a tool's exception only as text, so it is not read as one.)"""
    if getattr(response, "is_interrupted", False) is True:
        return _INTERRUPTED
    return _NOT_INTERRUPTED


# Read for every item a tool call yields: the two answers are shared.
_INTERRUPTED = ToolOutcome(interrupted=True)
_NOT_INTERRUPTED = ToolOutcome()


def tool_group_active(toolkit: Any, registered: Any) -> bool:
    """Whether AgentScope will run a registered tool: tools of the ``basic``
    group always run, others only while their group is active."""
    group = getattr(registered, "group", "basic")
    if group == "basic":
        return True
    groups = getattr(toolkit, "groups", None)
    found = groups.get(group) if isinstance(groups, Mapping) else None
    return getattr(found, "active", True) is not False


def tool_facts(toolkit: Any, name: str) -> call_readers.ToolFacts:
    """The registered tool's description, and its MCP server's endpoint."""
    tools = getattr(toolkit, "tools", None)
    registered = tools.get(name) if isinstance(tools, Mapping) else None
    schema = getattr(registered, "json_schema", None)
    function = schema.get("function") if isinstance(schema, Mapping) else None
    description = function.get("description") if isinstance(function, Mapping) else None
    # The function registered, inside otelscope's failure watcher if it is one.
    tool = getattr(registered, "original_func", None)
    tool = getattr(tool, WATCHED_ATTRIBUTE, tool)
    # An MCP tool is the bound ``__call__`` of an ``MCPToolFunction``; a
    # plain function costs no further look.
    endpoint = mcp_tools.tool_endpoint(tool) if hasattr(tool, "__self__") else None
    return text(description), endpoint
