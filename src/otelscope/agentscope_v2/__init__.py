"""Adapter for AgentScope 2.x: translates its calls into the span core.

Where each span comes from:

- ``invoke_agent``, ``react step``: otelscope's middleware (``middleware``),
  attached to an agent while ``Agent.reply`` / ``reply_stream`` runs
  (``agent_reply``); for an agent reached over A2A, ``A2AAgent.reply`` /
  ``reply_stream`` (``a2a_agents``);
- ``chat``: ``ChatModelBase.__call__`` and ``generate_structured_output``
  (``model_calls``);
- ``execute_tool``: ``Toolkit.call_tool`` (``tool_calls``);
- ``embeddings``: ``EmbeddingModelBase.__call__`` and its overrides
  (``embedding_calls``);
- ``invoke_workflow``: ``GoalPipeline.reply_stream`` and
  ``TeamPipeline.reply_stream`` (``workflows``);
- ``retrieval``, ``index_documents``: ``KnowledgeBase.search`` /
  ``list_chunks`` / ``insert_document`` (``knowledge``);
- ``text_to_speech``, ``speech_to_text``: each TTS class's own
  ``synthesize``, each ASR class's own ``transcribe`` (``speech``,
  ``speech_recognition``);
- ``realtime_session``, ``realtime_turn``: ``RealtimeAgent.reply_stream`` and
  the events it yields (``realtime_sessions``);
- permission decisions on ``execute_tool``, and the link of a reply resumed
  after the user's approval: ``Agent._check_permission`` and the reply's
  input (``permissions``);
- ``compress_context``, system prompt changes: ``Agent.compress_context`` /
  ``_split_context_for_compression`` and the reasoning's model call
  (``context_changes``);
- ``search_memory``, ``upsert_memory``: the searches and writes of
  ``Mem0Middleware`` and ``ReMeMiddleware`` (``memory``).

Model and tool calls are wrapped on the class rather than through the
``on_model_call`` / ``on_acting`` middleware hooks so that they are traced
when called outside an agent too.
"""

from __future__ import annotations

from otelscope.core.model_call import traced_model_call
from otelscope.core.patching import Patches, install_on_import
from otelscope.core.telemetry import Telemetry

# Installed when AgentScope's speech packages are imported (2.x imports them
# only for a program that uses them).
_SPEECH_MODULES = {
    "agentscope.tts": "otelscope.agentscope_v2.speech",
    "agentscope.asr": "otelscope.agentscope_v2.speech_recognition",
}


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.agent import Agent
    from agentscope.model import ChatModelBase
    from agentscope.tool import Toolkit

    from otelscope.agentscope_v2 import (
        a2a_agents,
        context_changes,
        embedding_calls,
        middleware,
        permissions,
        realtime_sessions,
        workflows,
    )
    from otelscope.agentscope_v2.agent_reply import (
        adopting_model_streams,
        held_reply,
        held_reply_stream,
    )
    from otelscope.agentscope_v2.model_calls import ChatReaderV2, install_structured_output
    from otelscope.agentscope_v2.tool_calls import traced_tool_call

    tracing_middleware = middleware.OtelscopeMiddleware(telemetry)
    patches.defer(tracing_middleware.retire)
    attachments = middleware.attachments(tracing_middleware)
    patches.wrap(Agent, "reply", held_reply(attachments))
    patches.wrap(Agent, "reply_stream", held_reply_stream(attachments))
    prompts = context_changes.install(telemetry, patches)  # compression; prompts for chat
    permissions.install(telemetry, patches)
    traced_chat = traced_model_call(telemetry, ChatReaderV2(prompts))
    patches.wrap(ChatModelBase, "__call__", adopting_model_streams(traced_chat))
    install_structured_output(telemetry, patches)  # it bypasses `__call__`
    patches.wrap(Toolkit, "call_tool", traced_tool_call(telemetry))
    embedding_calls.install(telemetry, patches)
    workflows.install(telemetry, patches)
    # Not an `Agent`, so not the middleware's: wrapped on its own class.
    a2a_agents.install(telemetry, patches)
    install_on_import(patches, {"agentscope.rag": "otelscope.agentscope_v2.knowledge"}, telemetry)
    install_on_import(patches, _SPEECH_MODULES, telemetry)  # TTS, ASR: `speech*`
    memory = {"agentscope.middleware": "otelscope.agentscope_v2.memory"}
    install_on_import(patches, memory, telemetry)  # long-term memory middlewares
    realtime_sessions.install(telemetry, patches)  # RealtimeAgent: not an `Agent`
