"""Reading AgentScope 2.x objects into the core's plain records.

Pure functions, read defensively: a value of the wrong type is left out.
Imported only when the 2.x adapter is installed, so AgentScope's classes
are imported here once; an instance of a subclass reads as the class.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Mapping
from typing import Any

from agentscope.event import ReplyEndEvent, UserConfirmResultEvent, UserInterruptEvent
from agentscope.message import Msg
from agentscope.tool import ToolResponse

from otelscope.agentscope_common import call_readers
from otelscope.agentscope_common.providers import provider_for_class
from otelscope.agentscope_v2 import mcp_tools
from otelscope.core.records import (
    AgentInfo,
    ChatRequest,
    ChatResult,
    EmbeddingsRequest,
    EmbeddingsResult,
)
from otelscope.core.served import ServedResult
from otelscope.core.tool_call import ToolOutcome
from otelscope.core.values import integer, number, text

# 2.x agents carry no id of their own (`state.session_id` names a
# conversation, not the agent), so each agent instance gets a stable id for
# its lifetime, kept beside it rather than on it.
_agent_ids: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()

_INTERRUPTED = "interrupted"


def agent_id(agent: Any) -> str | None:
    try:
        found = _agent_ids.get(agent)
        if found is None:
            found = _agent_ids[agent] = uuid.uuid4().hex[:16]
        return found
    except TypeError:  # not weak-referenceable: leave the id out
        return None


def agent_info(agent: Any) -> AgentInfo:
    model = getattr(agent, "model", None)
    return AgentInfo(
        name=text(getattr(agent, "name", None)) or type(agent).__name__,
        agent_id=agent_id(agent),
        provider=provider_for_class(type(model)) if model is not None else None,
        model=text(getattr(model, "model", None)) if model is not None else None,
        conversation_id=text(getattr(getattr(agent, "state", None), "session_id", None)),
    )


def chat_request(model: Any, kwargs: Mapping[str, Any]) -> ChatRequest:
    # 2.x models keep their sampling parameters in the pydantic `parameters`;
    # keyword arguments of the call override them.
    params = _parameters(getattr(model, "parameters", None))
    params.update(kwargs)
    return ChatRequest(
        provider=provider_for_class(type(model)),
        model=text(getattr(model, "model", None)),
        stream=getattr(model, "stream", False) is True,
        temperature=number(params.get("temperature")),
        max_tokens=integer(params.get("max_tokens")),
        top_p=number(params.get("top_p")),
    )


def chat_result(response: Any) -> ChatResult:
    """2.x's ``finished_reason`` is AgentScope's own outcome (completed or
    interrupted), not the provider's finish reason (read in its SDK): it
    only tells an interrupted call."""
    usage = getattr(response, "usage", None)
    reason = str(getattr(response, "finished_reason", "") or "")
    return ChatResult(
        ServedResult(
            response_id=text(getattr(response, "id", None)),
            input_tokens=integer(getattr(usage, "input_tokens", None)),
            output_tokens=integer(getattr(usage, "output_tokens", None)),
            # 2.x defaults both cache counts to 0, and a provider that does not
            # cache reports 0 too: only a positive count says something.
            cache_read_input_tokens=_positive(getattr(usage, "cache_input_tokens", None)),
            cache_creation_input_tokens=_positive(
                getattr(usage, "cache_creation_input_tokens", None)
            ),
        ),
        interrupted=reason == _INTERRUPTED,
    )


def _positive(value: Any) -> int | None:
    count = integer(value)
    return count if count is not None and count > 0 else None


# The one tool `ChatModelBase.generate_structured_output` offers the model,
# whose arguments are the structured output.
STRUCTURED_OUTPUT_TOOL = "generate_structured_output"


def structured_output_tool(structured_model: Any) -> dict[str, Any] | None:
    """The tool a structured-output call offers the model, in the shape
    AgentScope hands models tools: its parameters are the output's JSON
    schema (a dict as given, or a pydantic model's). None when the schema
    cannot be read (AgentScope then fails the call itself)."""
    schema: Any = structured_model
    if not isinstance(structured_model, Mapping):
        to_schema = getattr(structured_model, "model_json_schema", None)
        if to_schema is None:
            return None
        try:
            schema = to_schema()
        except Exception:  # a model pydantic cannot describe: left out
            return None
    return {"type": "function", "function": {"name": STRUCTURED_OUTPUT_TOOL, "parameters": schema}}


def is_final_chunk(response: Any) -> bool:
    return getattr(response, "is_last", False) is True


def embeddings_request(model: Any) -> EmbeddingsRequest:
    return call_readers.embeddings_request(model, "model")


def embeddings_result(response: Any) -> EmbeddingsResult:
    return call_readers.embeddings_result(response)


def tool_outcome(item: Any) -> ToolOutcome | None:
    """How the tool call ended, from its final ``ToolResponse`` (the chunks
    before it say nothing). 2.x turns a tool's exception into an ``error``
    response whose text is the exception's message."""
    if not isinstance(item, ToolResponse):
        return None
    state = str(getattr(item, "state", ""))
    if state == "error":
        error = _text_of(getattr(item, "content", None)) or "tool error"
        return ToolOutcome(error=error, final=True)
    return ToolOutcome(interrupted=state == _INTERRUPTED, final=True)


def _text_of(blocks: Any) -> str | None:
    texts = [getattr(block, "text", None) for block in blocks or ()]
    return text("\n".join(t for t in texts if isinstance(t, str)))


# The classes of the reply items otelscope reads (a reply yields many events;
# checking the class first keeps the rest from being read).
REPLY_MESSAGE: type = Msg
"""The final ``Msg`` of a reply (the other items are events)."""
REPLY_END_EVENT: type = ReplyEndEvent
# The inputs of a reply that resumes one suspended for the user's approval
# (the answers), or aborts it (an interrupt).
RESUMING_EVENTS: tuple[type, ...] = (UserConfirmResultEvent, UserInterruptEvent)


def is_interrupted_reply_end(event: Any) -> bool:
    """Given a ``ReplyEndEvent``: whether the reply was interrupted."""
    return str(getattr(event, "finished_reason", "")) == _INTERRUPTED


def tool_facts(toolkit: Any, name: str) -> call_readers.ToolFacts:
    """The tool's description, and for an MCP tool its server's endpoint."""
    groups = getattr(toolkit, "tool_groups", None) or ()
    for group in groups:
        for tool in getattr(group, "tools", None) or ():
            if getattr(tool, "name", None) == name:
                return text(getattr(tool, "description", None)), None
    return mcp_tools.mcp_tool_facts(groups, name)


def _parameters(parameters: Any) -> dict[str, Any]:
    dump = getattr(parameters, "model_dump", None)
    if dump is None:
        return {}
    values = dump()
    return dict(values) if isinstance(values, Mapping) else {}
