"""`embeddings` spans and metrics on AgentScope 2.x."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agentscope.credential import CredentialBase
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import conventions as conv
from tests.spantree import build_trees


class ScriptedEmbedding(EmbeddingModelBase):
    """Two-dimensional vectors, 3 tokens per input, offline."""

    def __init__(self, batch_size: int = 8, fail: bool = False) -> None:
        super().__init__(
            credential=CredentialBase(),
            model="scripted-embedding",
            dimensions=2,
            parameters=None,
            context_size=512,
            batch_size=batch_size,
            max_retries=0,
            retry_delay=0.0,
        )
        self.fail = fail
        self.batches: list[list[Any]] = []

    async def _call_api(self, inputs: list[Any], **kwargs: Any) -> EmbeddingResponse:
        self.batches.append(list(inputs))
        if self.fail:
            raise ConnectionError("embedding service down")
        return EmbeddingResponse(
            embeddings=[[float(len(text)), 1.0] for text in inputs],
            usage=EmbeddingUsage(tokens=3 * len(inputs), time=0.0),
        )


class OverridingEmbedding(ScriptedEmbedding):
    """Overrides ``__call__`` like AgentScope's DashScope and Gemini models."""

    async def __call__(self, inputs: list[Any], **kwargs: Any) -> EmbeddingResponse:
        return await super().__call__(inputs, **kwargs)


EMBEDDINGS = {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "scripted-embedding",
}


@pytest.mark.parametrize("model_class", [ScriptedEmbedding, OverridingEmbedding])
def test_one_embedding_call_is_one_client_span_with_usage(traced, model_class) -> None:
    model = model_class(batch_size=2)
    response = asyncio.run(model(["alpha", "be", "c"]))

    assert [vector[0] for vector in response.embeddings] == [5.0, 2.0, 1.0]
    assert model.batches == [["alpha", "be"], ["c"]]  # the user's code ran once
    [root] = build_trees(traced.spans())
    assert root.shape() == ("embeddings scripted-embedding", [])
    assert root.span.kind == SpanKind.CLIENT
    assert root.attributes == {
        **EMBEDDINGS,
        "gen_ai.embeddings.dimension.count": 2,
        "gen_ai.usage.input_tokens": 9,
    }
    metrics = traced.metrics()
    [duration] = metrics[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == EMBEDDINGS
    assert duration.count == 1
    [usage] = metrics[conv.METRIC_TOKEN_USAGE]
    assert dict(usage.attributes) == {**EMBEDDINGS, "gen_ai.token.type": "input"}
    assert (usage.count, usage.sum) == (1, 9)


def test_a_failing_embedding_call_raises_unchanged_and_is_marked(traced) -> None:
    model = ScriptedEmbedding(fail=True)
    with pytest.raises(ConnectionError, match="embedding service down"):
        asyncio.run(model(["x"]))

    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "ConnectionError"
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == {**EMBEDDINGS, "error.type": "ConnectionError"}
