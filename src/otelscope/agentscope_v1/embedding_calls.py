"""`embeddings` spans for AgentScope 1.x embedding models.

As with chat models, every 1.x embedding class overrides ``__call__``
itself, so each one is wrapped (``otelscope.core.hierarchy``).
"""

from __future__ import annotations

from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.hierarchy import wrap_own_methods
from otelscope.core.model_call import GuardedEmbeddingsReader, traced_embeddings_call
from otelscope.core.patching import Patches
from otelscope.core.telemetry import Telemetry


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.embedding import EmbeddingModelBase

    reader = GuardedEmbeddingsReader(
        "otelscope_v1_embedding_in_call",
        readers.embeddings_request,
        readers.embeddings_result,
        native_tracing_off,
    )
    wrap = traced_embeddings_call(telemetry, reader)
    wrap_own_methods(EmbeddingModelBase, "__call__", wrap, patches)
