"""Chat and embeddings spans record what DashScope's native API served, read
in the ``dashscope`` SDK: AgentScope's real DashScope classes on the
installed line, the real SDK, a fake server on loopback.

1.x ``DashScopeChatModel`` calls text or multimodal generation; 2.x's calls
the OpenAI-compatible mode through the ``openai`` SDK (``test_chat_spans``).
The text embedding classes of both lines call the SDK's synchronous
``TextEmbedding.call`` (2.x in a worker thread).

The native API reports no model name: the span has no response model. The
SDK raises nothing for an HTTP error; AgentScope raises a ``RuntimeError``
from the response, and 2.x's embedding class retries it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.trace import StatusCode

from otelscope.provider_sdks import dashscope_sdk
from tests.providers import models
from tests.providers.dashscope_server import (
    MULTIMODAL_EMBEDDING_PATH,
    MULTIMODAL_GENERATION_PATH,
    TEXT_EMBEDDING_PATH,
    TEXT_GENERATION_PATH,
    FakeDashScope,
)
from tests.providers.fake_server import HttpError, ToolCall, Turn, Usage, running
from tests.providers.models import ASKED_MODEL, DIMENSIONS, FAKE_KEY, LINE, MAX_TOKENS
from tests.providers.spans import run, the_chat_span
from tests.providers.test_chat_spans import attributes_without_ttfc

USAGE = Usage(input_tokens=11, output_tokens=7, cache_read_tokens=3, reasoning_tokens=2)
WEATHER_CALL = ToolCall("call_w1", "get_weather", '{"city": "Paris"}')
TEMPERATURE = 0.5

only_on_1x = pytest.mark.skipif(
    LINE != 1, reason="2.x's DashScopeChatModel uses the openai SDK (test_chat_spans)"
)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDashScope]:
    """The fake, as the SDK's process-wide base URL (put back afterwards:
    1.x's chat model sets it too)."""
    import dashscope

    with running(FakeDashScope()) as running_server:
        monkeypatch.setattr(dashscope, "base_http_api_url", running_server.base_url)
        yield running_server


class DroppingFakeDashScope(FakeDashScope):
    """Closes the connection of its first request unanswered, as a load
    balancer drops a pooled connection: the SDK sends the request again."""

    def __init__(self) -> None:
        super().__init__()
        self.to_drop = 1

    async def _generation(self, request: web.Request, multimodal: bool) -> web.StreamResponse:
        if self._dropped(request):
            return web.Response()
        return await super()._generation(request, multimodal)

    async def _text_embedding(self, request: web.Request) -> web.StreamResponse:
        if self._dropped(request):
            return web.Response()
        return await super()._text_embedding(request)

    def _dropped(self, request: web.Request) -> bool:
        if not self.to_drop or request.transport is None:
            return False
        self.to_drop -= 1
        request.transport.close()
        return True


@pytest.fixture
def dropping_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDashScope]:
    import dashscope

    with running(DroppingFakeDashScope()) as running_server:
        monkeypatch.setattr(dashscope, "base_http_api_url", running_server.base_url)
        yield running_server


# (multimodal, stream) of 1.x's chat model.
CASES = [(multimodal, stream) for multimodal in (False, True) for stream in (False, True)]


def case_id(case: tuple[bool, bool]) -> str:
    return f"{'multimodal' if case[0] else 'text'}-{'stream' if case[1] else 'json'}"


@pytest.fixture(params=CASES, ids=case_id)
def case(request: pytest.FixtureRequest) -> tuple[bool, bool]:
    return request.param  # type: ignore[no-any-return]


# -- the line's DashScope classes ---------------------------------------------------


def chat_model(server: FakeDashScope, multimodal: bool, stream: bool) -> Any:
    from agentscope import model

    return model.DashScopeChatModel(
        ASKED_MODEL,
        api_key=FAKE_KEY,
        stream=stream,
        multimodality=multimodal,
        generate_kwargs={"max_tokens": MAX_TOKENS, "temperature": TEMPERATURE},
        base_http_api_url=server.base_url,
    )


def embedding_model() -> Any:
    from agentscope import embedding

    if LINE == 1:
        return embedding.DashScopeTextEmbedding(FAKE_KEY, ASKED_MODEL, dimensions=DIMENSIONS)
    from agentscope.credential import DashScopeCredential

    return embedding.DashScopeEmbeddingModel(
        DashScopeCredential(api_key=FAKE_KEY),
        ASKED_MODEL,
        dimensions=DIMENSIONS,
        max_retries=models.LINE_RETRIES,
        retry_delay=0.0,
    )


# 1.x does not retry; 2.x's embedding class retries the RuntimeError.
EMBEDDING_FAILED_REQUESTS = models.LINE_RETRIES + 1


def ask(server: FakeDashScope, case: tuple[bool, bool]) -> Any:
    return run(models.ask(chat_model(server, *case)))


# -- chat (1.x) -----------------------------------------------------------------------


def generation_path(multimodal: bool) -> str:
    return MULTIMODAL_GENERATION_PATH if multimodal else TEXT_GENERATION_PATH


def request_sent() -> dict[str, Any]:
    return {
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.max_tokens": MAX_TOKENS,
        "gen_ai.request.temperature": TEMPERATURE,
    }


def expected_chat(server: FakeDashScope, stream: bool, turn: Turn, reason: str) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "dashscope",
        "gen_ai.request.stream": stream,
        **request_sent(),
        "gen_ai.response.id": turn.response_id,
        "gen_ai.response.finish_reasons": (reason,),
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 3,
        "gen_ai.usage.reasoning.output_tokens": 2,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": 1,
    }


@only_on_1x
def test_a_tool_call_is_recorded_as_served(traced, server, case) -> None:
    multimodal, stream = case
    turn = Turn(
        text="Let me look.", tool_calls=(WEATHER_CALL,), finish_reason="tool_calls", usage=USAGE
    )
    server.script(turn)

    response = ask(server, case)

    assert [b["id"] for b in response.content if b.get("type") == "tool_use"] == ["call_w1"]
    [request] = server.requests_to(generation_path(multimodal))
    assert request.json()["parameters"]["max_tokens"] == MAX_TOKENS
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.UNSET
    assert attributes_without_ttfc(span, stream) == expected_chat(server, stream, turn, "tool_call")


@only_on_1x
def test_a_request_sent_again_on_a_dropped_connection_is_a_second_attempt(
    traced, dropping_server, case
) -> None:
    _, stream = case
    turn = Turn(text="Sunny.", usage=USAGE)
    dropping_server.script(turn)

    ask(dropping_server, case)

    assert len(dropping_server.requests) == 2
    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == {
        **expected_chat(dropping_server, stream, turn, "stop"),
        "otelscope.request.attempts": 2,
    }


@only_on_1x
def test_running_out_of_tokens_is_recorded_as_length(traced, server, case) -> None:
    _, stream = case
    turn = Turn(text="It is sunny and", finish_reason="length", usage=USAGE)
    server.script(turn)

    ask(server, case)

    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == expected_chat(server, stream, turn, "length")


def failing_chat(server: FakeDashScope, case: tuple[bool, bool]) -> tuple[str, int]:
    """A call whose server answers 429: the error's class and the requests
    that reached the server."""
    server.script(Turn(error=HttpError(429)), Turn(error=HttpError(429)))
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        ask(server, case)
    return type(raised.value).__name__, len(server.requests) - before


@only_on_1x
def test_an_http_error_ends_the_span_with_the_status_the_sdk_got(traced, server, case) -> None:
    _, stream = case

    error, requests = failing_chat(server, case)

    assert (error, requests) == ("RuntimeError", 1)
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "dashscope",
        "gen_ai.request.stream": stream,
        **request_sent(),
        "error.type": "RuntimeError",
        "http.response.status_code": 429,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": requests,
    }


@only_on_1x
def test_otelscope_sends_no_request_of_its_own(traced, server, case) -> None:
    traced_outcome = failing_chat(server, case)
    traced.instrumentor.uninstrument()
    assert failing_chat(server, case) == traced_outcome
    assert len(traced.spans()) == 1


@only_on_1x
def test_the_key_planted_in_the_client_is_in_no_exported_byte(traced, server, case) -> None:
    server.script(Turn(text="Sunny.", usage=USAGE), Turn(error=HttpError(401)))
    ask(server, case)
    with pytest.raises(RuntimeError, match="InvalidApiKey"):
        ask(server, case)

    assert_key_not_exported(traced, server)


def assert_key_not_exported(traced: Any, server: FakeDashScope) -> None:
    metrics = traced.metric_reader.get_metrics_data()
    exported = encode_spans(traced.spans()).SerializeToString()
    exported += encode_metrics(metrics).SerializeToString()
    # The key did reach the server, in the request headers.
    assert server.requests
    assert all(FAKE_KEY in str(r.headers) for r in server.requests)
    assert FAKE_KEY.encode() not in exported
    assert b"sk-fake" not in exported


@only_on_1x
def test_captured_output_carries_the_providers_finish_reason(capture, server, case) -> None:
    server.script(Turn(tool_calls=(WEATHER_CALL,), finish_reason="tool_calls", usage=USAGE))
    capture.instrument(capture_content="SPAN_ONLY")

    ask(server, case)

    [span] = capture.traced.spans()
    [message] = json.loads(span.attributes["gen_ai.output.messages"])
    assert message["finish_reason"] == "tool_call"
    assert [part["id"] for part in message["parts"] if part["type"] == "tool_call"] == ["call_w1"]


# -- the request as sent --------------------------------------------------------------


def test_every_sampling_parameter_and_a_json_format_are_read_from_the_request() -> None:
    parameters = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "max_tokens": 100,
        "seed": 7,
        "stop": ["\n\n"],
        "presence_penalty": 0.1,
        "n": 2,
        "response_format": {"type": "json_object"},
        "result_format": "message",
    }
    assert dashscope_sdk.generation_request("m", parameters) == {
        "gen_ai.request.model": "m",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.top_k": 40.0,
        "gen_ai.request.max_tokens": 100,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("\n\n",),
        "gen_ai.request.presence_penalty": 0.1,
        "gen_ai.request.choice.count": 2,
        "gen_ai.output.type": "json",
    }


def test_each_choice_of_a_stream_finishes_in_its_own_event() -> None:
    """``n`` choices stream apart, by index; "null" means not finished."""
    responses = dashscope_sdk.GenerationResponses()

    def event(index: int, reason: str) -> dict[str, Any]:
        choice = {"index": index, "finish_reason": reason, "message": {}}
        return {"request_id": "r-1", "status_code": 200, "output": {"choices": [choice]}}

    responses.response(event(1, "null"))
    responses.response(event(0, "stop"))
    assert responses.result().finish_reasons is None
    responses.response(event(1, "tool_calls"))
    assert responses.result().finish_reasons == ("stop", "tool_call")
    assert responses.result().response_id == "r-1"


# -- text embedding (both lines) ------------------------------------------------------


def embedding_call(texts: list[str]) -> Any:
    return run(models.embed(embedding_model(), texts))


def common_embedding(server: FakeDashScope) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "dashscope",
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.embeddings.dimension.count": DIMENSIONS,
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }


def test_an_embedding_call_records_the_usage_and_endpoint(traced, server) -> None:
    server.script(Turn(usage=Usage(input_tokens=9)))

    response = embedding_call(["sunny", "rainy"])

    assert len(response.embeddings) == 2
    [request] = server.requests_to(TEXT_EMBEDDING_PATH)
    assert request.json()["parameters"]["dimension"] == DIMENSIONS
    [span] = traced.spans()
    assert span.name == f"embeddings {ASKED_MODEL}"
    assert dict(span.attributes) == {
        **common_embedding(server),
        "gen_ai.usage.input_tokens": 9,
        "otelscope.request.attempts": 1,
    }


def test_an_embedding_call_in_batches_counts_every_request(traced, server) -> None:
    """Both lines send ten texts a request; 2.x sends its batches at once,
    from worker threads."""
    server.script(Turn(usage=Usage(input_tokens=9)), Turn(usage=Usage(input_tokens=4)))

    response = embedding_call([f"text {number}" for number in range(11)])

    assert len(response.embeddings) == 11
    assert len(server.requests_to(TEXT_EMBEDDING_PATH)) == 2
    [span] = traced.spans()
    assert dict(span.attributes) == {
        **common_embedding(server),
        # AgentScope's sum over the batches.
        "gen_ai.usage.input_tokens": 13,
        "otelscope.request.attempts": 2,
    }


def test_a_failed_embedding_call_records_the_status_and_every_attempt(traced, server) -> None:
    server.script(*[Turn(error=HttpError(503))] * EMBEDDING_FAILED_REQUESTS)

    with pytest.raises(RuntimeError):
        embedding_call(["sunny"])

    assert len(server.requests) == EMBEDDING_FAILED_REQUESTS
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        **common_embedding(server),
        "error.type": "RuntimeError",
        "http.response.status_code": 503,
        "otelscope.request.attempts": EMBEDDING_FAILED_REQUESTS,
    }


def test_an_embedding_sent_again_on_a_dropped_connection_is_a_second_attempt(
    traced, dropping_server
) -> None:
    dropping_server.script(Turn(usage=Usage(input_tokens=9)))

    embedding_call(["sunny"])

    assert len(dropping_server.requests) == 2
    [span] = traced.spans()
    assert dict(span.attributes) == {
        **common_embedding(dropping_server),
        "gen_ai.usage.input_tokens": 9,
        "otelscope.request.attempts": 2,
    }


def failing_embedding(server: FakeDashScope) -> tuple[str, int]:
    server.script(*[Turn(error=HttpError(429))] * EMBEDDING_FAILED_REQUESTS)
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        embedding_call(["sunny"])
    return type(raised.value).__name__, len(server.requests) - before


def test_an_embedding_call_sends_no_request_of_otelscope(traced, server) -> None:
    traced_outcome = failing_embedding(server)
    traced.instrumentor.uninstrument()
    assert (
        failing_embedding(server) == traced_outcome == ("RuntimeError", EMBEDDING_FAILED_REQUESTS)
    )
    assert len(traced.spans()) == 1


def test_the_key_planted_in_the_embedding_class_is_in_no_exported_byte(traced, server) -> None:
    server.script(Turn(usage=Usage(input_tokens=9)))
    embedding_call(["sunny"])
    server.script(*[Turn(error=HttpError(401))] * EMBEDDING_FAILED_REQUESTS)
    with pytest.raises(RuntimeError, match="InvalidApiKey"):
        embedding_call(["sunny"])

    assert_key_not_exported(traced, server)


@pytest.mark.skipif(LINE != 1, reason="DashScopeMultiModalEmbedding is AgentScope 1.x's")
def test_a_multimodal_embedding_call_records_text_and_image_tokens_as_input(traced, server) -> None:
    from agentscope.embedding import DashScopeMultiModalEmbedding
    from agentscope.message import TextBlock

    # Nine text tokens and five image tokens, as the service counts them.
    server.script(Turn(usage=Usage(input_tokens=9, cache_read_tokens=5)))
    model = DashScopeMultiModalEmbedding(FAKE_KEY, ASKED_MODEL, dimensions=DIMENSIONS)

    response = run(model([TextBlock(type="text", text="sunny")]))

    assert len(response.embeddings) == 1
    # AgentScope never sends the dimensions this class is made with, so the
    # span records none: it says what the request asked for.
    [request] = server.requests_to(MULTIMODAL_EMBEDDING_PATH)
    assert "dimension" not in (request.json().get("parameters") or {})
    expected = common_embedding(server)
    del expected["gen_ai.embeddings.dimension.count"]
    [span] = traced.spans()
    assert dict(span.attributes) == {
        **expected,
        "gen_ai.usage.input_tokens": 9 + 5,
        "otelscope.request.attempts": 1,
    }
