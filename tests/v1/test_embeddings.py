"""`embeddings` spans and metrics on AgentScope 1.x."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agentscope.embedding import EmbeddingModelBase, EmbeddingResponse, EmbeddingUsage
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import conventions as conv
from tests.spantree import build_trees


class ScriptedEmbedding(EmbeddingModelBase):
    """Two-dimensional vectors, 3 tokens per input, offline (defined after
    instrumentation, like a user's own model class)."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(model_name="scripted-embedding", dimensions=2)
        self.fail = fail
        self.calls = 0

    async def __call__(self, text: list[str], **kwargs: Any) -> EmbeddingResponse:
        self.calls += 1
        if self.fail:
            raise ConnectionError("embedding service down")
        return EmbeddingResponse(
            embeddings=[[float(len(item)), 1.0] for item in text],
            usage=EmbeddingUsage(time=0.0, tokens=3 * len(text)),
        )


class Wrapping(ScriptedEmbedding):
    async def __call__(self, text: list[str], **kwargs: Any) -> EmbeddingResponse:
        return await super().__call__(text, **kwargs)


EMBEDDINGS = {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "scripted-embedding",
}


@pytest.mark.parametrize("model_class", [ScriptedEmbedding, Wrapping])
def test_one_embedding_call_is_one_client_span_with_usage(traced, model_class) -> None:
    model = model_class()
    response = asyncio.run(model(["alpha", "be", "c"]))

    assert [vector[0] for vector in response.embeddings] == [5.0, 2.0, 1.0]
    assert model.calls == 1
    [root] = build_trees(traced.spans())
    assert root.shape() == ("embeddings scripted-embedding", [])
    assert root.span.kind == SpanKind.CLIENT
    assert root.attributes == {
        **EMBEDDINGS,
        "gen_ai.embeddings.dimension.count": 2,
        "gen_ai.usage.input_tokens": 9,
    }
    [usage] = traced.metrics()[conv.METRIC_TOKEN_USAGE]
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
