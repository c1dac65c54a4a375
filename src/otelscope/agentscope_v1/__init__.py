"""Adapter for AgentScope 1.x: translates its calls into the span core.

Where each span comes from:

- ``invoke_agent``: ``AgentBase.__call__`` (``agent_call``); an ``A2AAgent``'s
  is a CLIENT span the A2A client reports to (``a2a_agents``)
- ``react step``: ``ReActAgent._reasoning`` and ``_acting``, and
  ``_summarizing``, the answer forced after ``max_iters`` (``react_rounds``)
- ``chat``: every model class's own ``__call__`` (``model_calls``)
- ``execute_tool``: ``Toolkit.call_tool_function`` (``tool_calls``)
- ``embeddings``: every embedding class's own ``__call__`` (``embedding_calls``)
- ``invoke_workflow``: ``sequential_pipeline`` / ``fanout_pipeline`` (also
  run by ``SequentialPipeline`` / ``FanoutPipeline``) and ``MsgHub``'s
  ``async with`` (``workflows``)
- ``retrieval``, ``index_documents``: each knowledge base class's own
  ``retrieve`` / ``add_documents`` (``knowledge``)
- ``text_to_speech``: each TTS class's own ``synthesize`` (``speech``)
- ``search_memory``, ``upsert_memory``: each long-term memory class's own
  ``retrieve`` / ``retrieve_from_memory`` and ``record`` / ``record_to_memory``
  (``memory``)
- plan events on the agent call's span: the ``PlanNotebook`` methods that
  change its plan (``plans``)
- ``realtime_session``, ``realtime_turn``: ``RealtimeAgent.start`` to
  ``stop``, and the events each realtime model class's ``parse_api_message``
  reads from its socket (``realtime_sessions``)

1.x hooks are deliberately not used: their runner keeps a re-entrancy flag on
the agent instance and skips hooks for overlapping calls, deep-copies the
arguments for every hook, and skips post-hooks on errors and cancellation.
"""

from __future__ import annotations

from otelscope.core.patching import Patches, install_on_import
from otelscope.core.telemetry import Telemetry


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.agent import AgentBase, ReActAgent

    from otelscope.agentscope_v1 import (
        embedding_calls,
        formatting,
        mcp_tools,
        model_calls,
        tool_calls,
        workflows,
    )
    from otelscope.agentscope_v1.agent_call import traced_agent_call
    from otelscope.agentscope_v1.react_rounds import traced_acting, traced_reasoning

    patches.wrap(AgentBase, "__call__", traced_agent_call(telemetry))
    patches.wrap(ReActAgent, "_reasoning", traced_reasoning())
    patches.wrap(ReActAgent, "_acting", traced_acting())
    # The answer forced after `max_iters` is a round of its own, as on 2.x.
    patches.wrap(ReActAgent, "_summarizing", traced_reasoning())
    tool_calls.install(telemetry, patches)
    mcp_tools.install(patches)
    model_calls.install(telemetry, patches)
    formatting.install(patches)
    embedding_calls.install(telemetry, patches)
    workflows.install(telemetry, patches)
    install_on_import(patches, {"agentscope.rag": "otelscope.agentscope_v1.knowledge"}, telemetry)
    install_on_import(patches, {"agentscope.tts": "otelscope.agentscope_v1.speech"}, telemetry)
    install_on_import(patches, {"agentscope.memory": "otelscope.agentscope_v1.memory"}, telemetry)
    install_on_import(patches, {"agentscope.plan": "otelscope.agentscope_v1.plans"}, telemetry)
    install_on_import(
        patches, {"agentscope.realtime": "otelscope.agentscope_v1.realtime_sessions"}, telemetry
    )
