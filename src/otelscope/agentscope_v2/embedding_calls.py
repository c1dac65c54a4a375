"""`embeddings` spans for AgentScope 2.x embedding models.

``EmbeddingModelBase.__call__`` batches the inputs over ``_call_api``; the
DashScope and Gemini classes override ``__call__``, so each class that
defines it is wrapped (``otelscope.core.hierarchy``). One span covers one
call as its caller sees it, batches and retries included.
"""

from __future__ import annotations

from otelscope.agentscope_v2 import readers
from otelscope.core.hierarchy import wrap_own_methods
from otelscope.core.model_call import GuardedEmbeddingsReader, traced_embeddings_call
from otelscope.core.patching import Patches
from otelscope.core.telemetry import Telemetry


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.embedding import EmbeddingModelBase

    reader = GuardedEmbeddingsReader(
        "otelscope_v2_embedding_in_call", readers.embeddings_request, readers.embeddings_result
    )
    wrap = traced_embeddings_call(telemetry, reader)
    wrap_own_methods(EmbeddingModelBase, "__call__", wrap, patches)
