"""`embeddings` spans and metrics on both AgentScope lines."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import conventions as conv
from tests.lines.line import kit, per_line
from tests.spantree import build_trees

EMBEDDINGS = {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.provider.name": "unknown",
    "gen_ai.request.model": "scripted-embedding",
}


@pytest.mark.parametrize("model_class", [kit.ScriptedEmbedding, kit.OverridingEmbedding])
def test_one_embedding_call_is_one_client_span_with_usage(traced, model_class) -> None:
    model = model_class(batch_size=2)
    response = asyncio.run(model(["alpha", "be", "c"]))

    assert [vector[0] for vector in response.embeddings] == [5.0, 2.0, 1.0]
    # The user's code ran once: for the one batch of 1.x, for each of 2.x's.
    assert model.batches == per_line(v1=[["alpha", "be", "c"]], v2=[["alpha", "be"], ["c"]])
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
    model = kit.ScriptedEmbedding(fail=True)
    with pytest.raises(ConnectionError, match="embedding service down"):
        asyncio.run(model(["x"]))

    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "ConnectionError"
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == {**EMBEDDINGS, "error.type": "ConnectionError"}
