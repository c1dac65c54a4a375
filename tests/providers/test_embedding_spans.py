"""Embeddings spans record what the provider served: AgentScope's OpenAI
embedding class on the installed line, the real ``openai`` SDK, a fake
server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.trace import StatusCode

from tests.providers import models
from tests.providers.fake_server import HttpError, Turn, Usage, running
from tests.providers.models import ASKED_MODEL, DIMENSIONS
from tests.providers.openai_server import EMBEDDINGS_PATH, FakeOpenAI


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with running(FakeOpenAI()) as running_server:
        yield running_server


def embed(server: FakeOpenAI, texts: list[str]) -> object:
    return asyncio.run(models.embed(models.embedding_model(server), texts))


def common(server: FakeOpenAI) -> dict[str, object]:
    attributes: dict[str, object] = {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.embeddings.dimension.count": DIMENSIONS,
        # Both lines ask for float vectors.
        "gen_ai.request.encoding_formats": ("float",),
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }
    return attributes


def test_an_embedding_call_records_the_served_model_and_usage(traced, server) -> None:
    turn = Turn(model="served-embedder-3", usage=Usage(input_tokens=9))
    server.script(turn)

    response = embed(server, ["sunny", "rainy"])

    assert len(response.embeddings) == 2
    [request] = server.requests_to(EMBEDDINGS_PATH)
    assert request.json()["dimensions"] == DIMENSIONS
    [span] = traced.spans()
    assert span.name == f"embeddings {ASKED_MODEL}"
    assert dict(span.attributes) == {
        **common(server),
        "gen_ai.response.model": "served-embedder-3",
        "gen_ai.usage.input_tokens": 9,
        "otelscope.request.attempts": 1,
    }
    [duration] = traced.metrics()["gen_ai.client.operation.duration"]
    assert dict(duration.attributes) == {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.response.model": "served-embedder-3",
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }


def test_a_failed_embedding_call_records_the_status_and_every_attempt(traced, server) -> None:
    server.script(*[Turn(error=HttpError(503))] * models.EMBEDDING_FAILED_REQUESTS)

    with pytest.raises(Exception) as raised:
        embed(server, ["sunny"])

    assert type(raised.value).__name__ == "InternalServerError"
    assert len(server.requests) == models.EMBEDDING_FAILED_REQUESTS
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        **common(server),
        "error.type": "openai.InternalServerError",
        "http.response.status_code": 503,
        "otelscope.request.attempts": models.EMBEDDING_FAILED_REQUESTS,
    }
