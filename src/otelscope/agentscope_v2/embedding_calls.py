"""`embeddings` spans for AgentScope 2.x embedding models.

``EmbeddingModelBase.__call__`` batches the inputs over ``_call_api``; the
DashScope and Gemini classes override ``__call__``, so each class that
defines it is wrapped (``otelscope.core.hierarchy``). One span covers one
call as its caller sees it, batches and retries included.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from otelscope.agentscope_v2 import readers
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.model_call import traced_embeddings_call
from otelscope.core.patching import Patches
from otelscope.core.telemetry import EmbeddingsRequest, EmbeddingsResult, Telemetry

_embedding_calls = NestedCallGuard("otelscope_v2_embedding_in_call")


class EmbeddingsReaderV2:
    def request(self, model: Any) -> EmbeddingsRequest:
        return readers.embeddings_request(model)

    def result(self, response: Any) -> EmbeddingsResult:
        return readers.embeddings_result(response)

    def already_traced(self, model: Any) -> bool:
        return _embedding_calls.is_running(model)

    def scope(self, model: Any) -> AbstractContextManager[None]:
        return _embedding_calls.running(model)


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.embedding import EmbeddingModelBase

    wrap = traced_embeddings_call(telemetry, EmbeddingsReaderV2())
    wrap_own_methods(EmbeddingModelBase, "__call__", wrap, patches)
