"""Agents reached over A2A on AgentScope 1.x: ``A2AAgent``.

``A2AAgent`` is an ``AgentBase``, so ``AgentBase.__call__`` traces its calls
like any agent's (``agent_call``); being remote, the call is a CLIENT span
that the A2A client reports to (``otelscope.protocols.a2a_client``), and
its agent description and version come from the agent card. AgentScope
before 1.0.21's A2A support has no such class: no agent is remote there.
"""

from __future__ import annotations

from typing import Any

from otelscope.core.records import AgentInfo
from otelscope.core.values import text

REMOTE_AGENTS: tuple[type, ...]
"""The agent classes whose calls go to another process."""
try:
    from agentscope.agent import A2AAgent as _A2AAgent
except ImportError:
    REMOTE_AGENTS = ()
else:
    REMOTE_AGENTS = (_A2AAgent,)


def agent_info(agent: Any, conversation_id: str | None) -> AgentInfo:
    """An ``A2AAgent``: named as its card names it (or as renamed since), with
    no model of its own; the conversation is the A2A context its answer
    names, and ``conversation_id`` until then."""
    card = getattr(agent, "agent_card", None)
    return AgentInfo(
        name=text(getattr(agent, "name", None)) or text(getattr(card, "name", None)) or "A2AAgent",
        agent_id=text(getattr(agent, "id", None)),
        provider=None,
        model=None,
        conversation_id=conversation_id,
        remote=True,
        description=text(getattr(card, "description", None)),
        version=text(getattr(card, "version", None)),
    )
