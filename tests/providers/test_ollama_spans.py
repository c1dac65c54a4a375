"""Chat and embeddings spans record what an Ollama server served, read in
the ``ollama`` SDK: AgentScope's real Ollama classes on the installed line,
the real SDK, a fake server on loopback.

Ollama reports no response id: the span keeps the id AgentScope gives its
response. The client does not retry, and neither line retries an HTTP
error from Ollama: a failing call is one request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.trace import StatusCode

from otelscope.provider_sdks import ollama_sdk
from tests.providers import models
from tests.providers.fake_server import HttpError, ToolCall, Turn, Usage, running
from tests.providers.models import ASKED_MODEL, DIMENSIONS, FAKE_KEY, LINE, MAX_TOKENS
from tests.providers.ollama_server import CHAT_PATH, EMBED_PATH, FakeOllama
from tests.providers.spans import run, the_chat_span
from tests.providers.test_chat_spans import attributes_without_ttfc

USAGE = Usage(input_tokens=11, output_tokens=7)
WEATHER_CALL = ToolCall("call_w1", "get_weather", '{"city": "Paris"}')
TEMPERATURE = 0.5


@pytest.fixture
def server() -> Iterator[FakeOllama]:
    with running(FakeOllama()) as running_server:
        yield running_server


@pytest.fixture(params=[False, True], ids=["json", "stream"])
def stream(request: pytest.FixtureRequest) -> bool:
    return request.param  # type: ignore[no-any-return]


# -- the line's Ollama classes ------------------------------------------------------

# The key goes in a header of the client, as a user would for an Ollama
# behind an authenticating proxy.
_CLIENT_KWARGS = {"headers": {"Authorization": f"Bearer {FAKE_KEY}"}}


def chat_model(server: FakeOllama, stream: bool) -> Any:
    from agentscope import model

    if LINE == 1:
        return model.OllamaChatModel(
            ASKED_MODEL,
            stream=stream,
            options={"temperature": TEMPERATURE, "num_predict": MAX_TOKENS},
            host=server.base_url,
            client_kwargs=_CLIENT_KWARGS,
        )
    from agentscope.credential import OllamaCredential

    return model.OllamaChatModel(
        OllamaCredential(host=server.base_url),
        ASKED_MODEL,
        parameters=model.OllamaChatModel.Parameters(max_tokens=MAX_TOKENS, temperature=TEMPERATURE),
        stream=stream,
        max_retries=models.LINE_RETRIES,
        retry_delay=0.0,
        client_kwargs=_CLIENT_KWARGS,
    )


def embedding_model(server: FakeOllama) -> Any:
    from agentscope import embedding

    if LINE == 1:
        return embedding.OllamaTextEmbedding(ASKED_MODEL, DIMENSIONS, host=server.base_url)
    from agentscope.credential import OllamaCredential

    return embedding.OllamaEmbeddingModel(
        OllamaCredential(host=server.base_url),
        ASKED_MODEL,
        dimensions=DIMENSIONS,
        max_retries=models.LINE_RETRIES,
        retry_delay=0.0,
    )


def ask(server: FakeOllama, stream: bool) -> Any:
    return run(models.ask(chat_model(server, stream)))


# -- chat -----------------------------------------------------------------------------


def expected_chat(server: FakeOllama, stream: bool, response: Any, turn: Turn, reason: str) -> Any:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "ollama",
        "gen_ai.request.stream": stream,
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.max_tokens": MAX_TOKENS,
        "gen_ai.request.temperature": TEMPERATURE,
        # Ollama gives none: the id is AgentScope's.
        "gen_ai.response.id": response.id,
        "gen_ai.response.model": turn.model,
        "gen_ai.response.finish_reasons": (reason,),
        "gen_ai.usage.input_tokens": turn.usage.input_tokens,
        "gen_ai.usage.output_tokens": turn.usage.output_tokens,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": 1,
    }


def tool_call_names(response: Any) -> list[str]:
    blocks = response.content
    if LINE == 1:
        return [block["name"] for block in blocks if block.get("type") == "tool_use"]
    return [block.name for block in blocks if type(block).__name__ == "ToolCallBlock"]


def test_a_tool_call_is_recorded_as_served(traced, server, stream) -> None:
    turn = Turn(text="Let me look.", tool_calls=(WEATHER_CALL,), usage=USAGE)
    server.script(turn)

    response = ask(server, stream)

    assert tool_call_names(response) == ["get_weather"]
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.UNSET
    assert attributes_without_ttfc(span, stream) == expected_chat(
        server, stream, response, turn, "tool_call"
    )
    [request] = server.requests_to(CHAT_PATH)
    assert request.json()["options"] == {"temperature": TEMPERATURE, "num_predict": MAX_TOKENS}


def test_running_out_of_tokens_is_recorded_as_length(traced, server, stream) -> None:
    turn = Turn(text="It is sunny and", finish_reason="length", usage=USAGE)
    server.script(turn)

    response = ask(server, stream)

    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == expected_chat(server, stream, response, turn, "length")


def test_a_plain_answer_is_recorded_as_stop(traced, server, stream) -> None:
    turn = Turn(text="Sunny.", usage=USAGE)
    server.script(turn)

    response = ask(server, stream)

    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == expected_chat(server, stream, response, turn, "stop")


def failing_call(server: FakeOllama, stream: bool) -> tuple[str, int]:
    """A call whose server answers 429: the error's class and the requests
    that reached the server."""
    server.script(Turn(error=HttpError(429)), Turn(error=HttpError(429)))
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        ask(server, stream)
    return type(raised.value).__name__, len(server.requests) - before


def test_an_http_error_ends_the_span_with_its_status_after_one_request(
    traced, server, stream
) -> None:
    error, requests = failing_call(server, stream)

    assert (error, requests) == ("ResponseError", 1)
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "ollama",
        "gen_ai.request.stream": stream,
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.max_tokens": MAX_TOKENS,
        "gen_ai.request.temperature": TEMPERATURE,
        "error.type": "ollama._types.ResponseError",
        "http.response.status_code": 429,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": requests,
    }


def test_otelscope_sends_no_request_of_its_own(traced, server, stream) -> None:
    traced_outcome = failing_call(server, stream)
    traced.instrumentor.uninstrument()
    assert failing_call(server, stream) == traced_outcome
    assert len(traced.spans()) == 1


def test_the_key_planted_in_the_client_is_in_no_exported_byte(traced, server, stream) -> None:
    server.script(Turn(text="Sunny.", usage=USAGE), Turn(error=HttpError(401)))
    ask(server, stream)
    with pytest.raises(Exception, match="fake provider error"):
        ask(server, stream)

    metrics = traced.metric_reader.get_metrics_data()
    exported = encode_spans(traced.spans()).SerializeToString()
    exported += encode_metrics(metrics).SerializeToString()
    assert all(FAKE_KEY in str(r.headers) for r in server.requests)
    assert FAKE_KEY.encode() not in exported
    assert b"sk-fake" not in exported


def test_captured_output_carries_the_servers_finish_reason(capture, server, stream) -> None:
    server.script(Turn(tool_calls=(WEATHER_CALL,), usage=USAGE))
    capture.instrument(capture_content="SPAN_ONLY")

    ask(server, stream)

    [span] = capture.traced.spans()
    [message] = json.loads(span.attributes["gen_ai.output.messages"])
    assert message["finish_reason"] == "tool_call"
    calls = [part["name"] for part in message["parts"] if part["type"] == "tool_call"]
    assert calls == ["get_weather"]


# -- the request as sent --------------------------------------------------------------


def test_every_sampling_option_and_a_json_format_are_read_from_the_request() -> None:
    body = {
        "model": "m",
        "format": "json",
        "options": {
            "temperature": 0.2,
            "top_p": 0.9,
            "top_k": 40,
            "num_predict": 100,
            "seed": 7,
            "stop": ["\n\n"],
            "presence_penalty": 0.1,
            "frequency_penalty": 0.3,
        },
    }
    assert ollama_sdk.chat_request(body) == {
        "gen_ai.request.model": "m",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.top_k": 40.0,
        "gen_ai.request.max_tokens": 100,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("\n\n",),
        "gen_ai.request.presence_penalty": 0.1,
        "gen_ai.request.frequency_penalty": 0.3,
        "gen_ai.output.type": "json",
    }


def test_a_schema_format_asks_for_json_and_no_limit_is_no_max_tokens() -> None:
    body = {"model": "m", "format": {"type": "object"}, "options": {"num_predict": -1}}
    assert ollama_sdk.chat_request(body) == {
        "gen_ai.request.model": "m",
        "gen_ai.output.type": "json",
    }


def test_a_call_asking_for_json_records_json_output(traced, server) -> None:
    """1.x asks Ollama for JSON with a structured model (sent as a schema),
    2.x with Ollama's own ``format`` passed through the call."""
    from pydantic import BaseModel

    class Weather(BaseModel):
        city: str

    server.script(Turn(text='{"city": "Paris"}', usage=USAGE))
    model = chat_model(server, False)
    if LINE == 1:
        run(model(models.question(), structured_model=Weather))
    else:
        run(model(models.question(), format="json"))

    [request] = server.requests_to(CHAT_PATH)
    assert request.json()["format"] == (Weather.model_json_schema() if LINE == 1 else "json")
    assert the_chat_span(traced).attributes["gen_ai.output.type"] == "json"


# -- embeddings -----------------------------------------------------------------------


def embed(server: FakeOllama, texts: list[str]) -> Any:
    return run(models.embed(embedding_model(server), texts))


def common_embedding(server: FakeOllama) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "ollama",
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.embeddings.dimension.count": DIMENSIONS,
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }


def test_an_embedding_call_records_the_served_model_and_usage(traced, server) -> None:
    server.script(Turn(model="served-embedder-3", usage=Usage(input_tokens=9)))

    response = embed(server, ["sunny", "rainy"])

    assert len(response.embeddings) == 2
    [request] = server.requests_to(EMBED_PATH)
    assert request.json()["dimensions"] == DIMENSIONS
    [span] = traced.spans()
    assert span.name == f"embeddings {ASKED_MODEL}"
    assert dict(span.attributes) == {
        **common_embedding(server),
        "gen_ai.response.model": "served-embedder-3",
        "gen_ai.usage.input_tokens": 9,
        "otelscope.request.attempts": 1,
    }


def test_a_failed_embedding_call_records_the_status_of_its_one_request(traced, server) -> None:
    server.script(Turn(error=HttpError(503)), Turn(error=HttpError(503)))

    with pytest.raises(Exception) as raised:
        embed(server, ["sunny"])

    assert type(raised.value).__name__ == "ResponseError"
    assert len(server.requests) == 1
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        **common_embedding(server),
        "error.type": "ollama._types.ResponseError",
        "http.response.status_code": 503,
        "otelscope.request.attempts": 1,
    }
