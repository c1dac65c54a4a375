"""`embeddings` spans for AgentScope 1.x embedding models.

As with chat models, every 1.x embedding class overrides ``__call__``
itself, so each one is wrapped (``otelscope.core.hierarchy``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from otelscope.agentscope_v1 import readers
from otelscope.agentscope_v1.native_tracing import native_tracing_off
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.model_call import traced_embeddings_call
from otelscope.core.patching import Patches
from otelscope.core.telemetry import EmbeddingsRequest, EmbeddingsResult, Telemetry

_embedding_calls = NestedCallGuard("otelscope_v1_embedding_in_call")


class EmbeddingsReaderV1:
    def request(self, model: Any) -> EmbeddingsRequest:
        return readers.embeddings_request(model)

    def result(self, response: Any) -> EmbeddingsResult:
        return readers.embeddings_result(response)

    def already_traced(self, model: Any) -> bool:
        return _embedding_calls.is_running(model)

    @contextmanager
    def scope(self, model: Any) -> Iterator[None]:
        with _embedding_calls.running(model), native_tracing_off():
            yield


def install(telemetry: Telemetry, patches: Patches) -> None:
    from agentscope.embedding import EmbeddingModelBase

    wrap = traced_embeddings_call(telemetry, EmbeddingsReaderV1())
    wrap_own_methods(EmbeddingModelBase, "__call__", wrap, patches)
