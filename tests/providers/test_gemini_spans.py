"""Chat and embeddings spans record what Gemini served, for AgentScope's
Gemini classes on the installed line: AgentScope's real classes, the real
``google-genai`` SDK, ``FakeGemini`` on loopback.

The server reports a model other than the one asked for, random response
ids, Gemini's own finish reasons and usage with cached and thinking tokens;
the span must carry exactly those, in the conventions' values, with the
endpoint called, the request as sent and every HTTP attempt.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.trace import StatusCode

from otelscope.core.served import Served, ServedResult, enter_serving, leave_serving
from otelscope.provider_sdks.google_genai_sdk import Generation
from tests.providers import gemini_models
from tests.providers.fake_server import HttpError, ToolCall, Turn, Usage, running
from tests.providers.gemini_models import (
    FAILED_EMBEDDING_REQUESTS,
    TEMPERATURE,
    ask,
    chat_model,
    failed_chat_requests,
)
from tests.providers.gemini_server import BATCH_EMBED, GENERATE, FakeGemini
from tests.providers.models import ASKED_MODEL, DIMENSIONS, FAKE_KEY, LINE, MAX_TOKENS
from tests.providers.spans import attributes_without_ttfc, run

USAGE = Usage(input_tokens=11, output_tokens=7, cache_read_tokens=3, reasoning_tokens=2)
# Gemini counts the thinking apart (candidates 5, thoughts 2); the
# conventions' output tokens include it.
SERVED_USAGE = {
    "gen_ai.usage.input_tokens": 11,
    "gen_ai.usage.output_tokens": 7,
    "gen_ai.usage.cache_read.input_tokens": 3,
    "gen_ai.usage.reasoning.output_tokens": 2,
}
WEATHER_CALL = ToolCall("call_w1", "get_weather", '{"city": "Paris"}')

# google-genai sends a streamed generation's request only when the stream is
# first read, after AgentScope's model call has returned it: otelscope makes
# the call current again around each step of its stream.
STREAMS = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


@pytest.fixture
def server() -> Iterator[FakeGemini]:
    with running(FakeGemini()) as running_server:
        yield running_server


def request_sent(stream: bool) -> dict[str, Any]:
    """What both lines' chat span says of the request, as sent."""
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "gcp.gemini",
        "gen_ai.request.stream": stream,
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.temperature": TEMPERATURE,
        "gen_ai.request.max_tokens": MAX_TOKENS,
    }


def expected_chat(stream: bool, server: FakeGemini, turn: Turn, reason: str) -> dict[str, Any]:
    return {
        **request_sent(stream),
        "gen_ai.response.id": turn.response_id,
        "gen_ai.response.model": turn.model,
        "gen_ai.response.finish_reasons": (reason,),
        **SERVED_USAGE,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": 1,
    }


def the_span(spans: list[Any], name: str) -> Any:
    [span] = spans
    assert span.name == name
    return span


def _tool_call_ids(response: Any) -> list[str]:
    blocks = response.content
    if LINE == 1:
        return [block["id"] for block in blocks if block.get("type") == "tool_use"]
    return [block.id for block in blocks if type(block).__name__ == "ToolCallBlock"]


# -- chat -----------------------------------------------------------------------------


@pytest.mark.parametrize("stream", STREAMS)
def test_a_tool_call_is_recorded_as_served(traced, server, stream) -> None:
    turn = Turn(text="Let me look.", tool_calls=(WEATHER_CALL,), finish_reason="STOP", usage=USAGE)
    server.script(turn)

    response = run(ask(chat_model(server, stream)))

    assert _tool_call_ids(response) == ["call_w1"]
    span = the_span(traced.spans(), f"chat {ASKED_MODEL}")
    assert span.status.status_code == StatusCode.UNSET
    assert attributes_without_ttfc(span, stream) == expected_chat(stream, server, turn, "tool_call")


@pytest.mark.parametrize("stream", STREAMS)
def test_running_out_of_tokens_is_recorded_as_length(traced, server, stream) -> None:
    turn = Turn(text="It is sunny and", finish_reason="MAX_TOKENS", usage=USAGE)
    server.script(turn)

    run(ask(chat_model(server, stream)))

    attributes = attributes_without_ttfc(the_span(traced.spans(), f"chat {ASKED_MODEL}"), stream)
    assert attributes == expected_chat(stream, server, turn, "length")


@pytest.mark.parametrize(
    ("sent", "recorded"),
    [
        ("SAFETY", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
        ("MALFORMED_FUNCTION_CALL", "error"),
        # A reason the conventions have no name for is kept as sent.
        ("OTHER", "OTHER"),
    ],
)
def test_geminis_finish_reasons_are_recorded_in_the_conventions_values(
    traced, server, sent, recorded
) -> None:
    server.script(Turn(text="Sorry.", finish_reason=sent, usage=USAGE))

    run(ask(chat_model(server, stream=False)))

    span = the_span(traced.spans(), f"chat {ASKED_MODEL}")
    assert span.attributes["gen_ai.response.finish_reasons"] == (recorded,)


def test_the_request_is_recorded_as_sent(traced, server) -> None:
    turn = Turn(text='{"sky": "clear"}', usage=USAGE)
    server.script(turn)
    config = {
        "top_k": 40,
        "seed": 7,
        "stop_sequences": ["END"],
        "candidate_count": 2,
        "response_mime_type": "application/json",
    }

    run(ask(chat_model(server, stream=False), **config))

    [request] = server.requests_for(GENERATE)
    sent = request.json()["generationConfig"]
    assert {key: sent[key] for key in ("topK", "seed", "stopSequences", "candidateCount")} == {
        "topK": 40,
        "seed": 7,
        "stopSequences": ["END"],
        "candidateCount": 2,
    }
    span = the_span(traced.spans(), f"chat {ASKED_MODEL}")
    assert dict(span.attributes) == {
        **expected_chat(False, server, turn, "stop"),
        "gen_ai.request.top_k": 40.0,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.request.choice.count": 2,
        "gen_ai.output.type": "json",
    }


# -- errors ---------------------------------------------------------------------------


def failing_call(server: FakeGemini, stream: bool) -> tuple[str, int]:
    """Call a model whose server answers 429 to every request: the error's
    class and the requests that reached the server."""
    server.script(*[Turn(error=HttpError(429))] * failed_chat_requests(stream))
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        run(ask(chat_model(server, stream)))
    return type(raised.value).__name__, len(server.requests) - before


@pytest.mark.parametrize("stream", STREAMS)
def test_an_http_error_ends_the_span_as_that_error_after_every_retry(
    traced, server, stream
) -> None:
    requests = failed_chat_requests(stream)

    assert failing_call(server, stream) == ("ClientError", requests)

    span = the_span(traced.spans(), f"chat {ASKED_MODEL}")
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        **request_sent(stream),
        "error.type": "google.genai.errors.ClientError",
        "http.response.status_code": 429,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": requests,
    }


@pytest.mark.parametrize("stream", STREAMS)
def test_otelscope_sends_no_request_of_its_own(traced, server, stream) -> None:
    """The same failing call with and without otelscope: the same error,
    and the same number of requests reach the provider."""
    traced_outcome = failing_call(server, stream)
    traced.instrumentor.uninstrument()
    assert failing_call(server, stream) == traced_outcome
    assert traced_outcome == ("ClientError", failed_chat_requests(stream))
    assert len(traced.spans()) == 1


@pytest.mark.parametrize("stream", STREAMS)
def test_the_key_planted_in_the_client_is_in_no_exported_byte(traced, server, stream) -> None:
    server.script(Turn(text="Sunny.", usage=USAGE))
    server.script(*[Turn(error=HttpError(401))] * failed_chat_requests(stream))
    run(ask(chat_model(server, stream)))
    with pytest.raises(Exception, match="401"):
        run(ask(chat_model(server, stream)))

    metrics = traced.metric_reader.get_metrics_data()
    exported = encode_spans(traced.spans()).SerializeToString()
    exported += encode_metrics(metrics).SerializeToString()
    # The key did reach the server, in the request headers.
    assert any(FAKE_KEY in str(r.headers) for r in server.requests)
    assert FAKE_KEY.encode() not in exported
    assert b"sk-fake" not in exported


@pytest.mark.parametrize("stream", STREAMS)
def test_captured_output_carries_the_providers_finish_reason(capture, server, stream) -> None:
    server.script(Turn(tool_calls=(WEATHER_CALL,), finish_reason="STOP", usage=USAGE))
    capture.instrument(capture_content="SPAN_ONLY")

    run(ask(chat_model(server, stream)))

    [span] = capture.traced.spans()
    [message] = json.loads(span.attributes["gen_ai.output.messages"])
    assert message["finish_reason"] == "tool_call"
    assert [part["id"] for part in message["parts"] if part["type"] == "tool_call"] == ["call_w1"]


# -- embeddings -----------------------------------------------------------------------


def embed(server: FakeGemini, monkeypatch: pytest.MonkeyPatch, texts: list[str]) -> Any:
    model = gemini_models.embedding_model(server, monkeypatch)
    return run(gemini_models.embed(model, texts))


def embeddings_sent(server: FakeGemini) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "gcp.gemini",
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.embeddings.dimension.count": DIMENSIONS,
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }


def test_an_embedding_call_records_the_served_usage_and_endpoint(
    traced, server, monkeypatch
) -> None:
    server.script(Turn(usage=Usage(input_tokens=9)))

    response = embed(server, monkeypatch, ["sunny", "rainy"])

    assert [len(vector) for vector in response.embeddings] == [DIMENSIONS, DIMENSIONS]
    [request] = server.requests_for(BATCH_EMBED)
    assert [item["outputDimensionality"] for item in request.json()["requests"]] == [8, 8]
    span = the_span(traced.spans(), f"embeddings {ASKED_MODEL}")
    # Gemini's embeddings response names no model.
    assert dict(span.attributes) == {
        **embeddings_sent(server),
        "gen_ai.usage.input_tokens": 9,
        "otelscope.request.attempts": 1,
    }


def test_a_failed_embedding_call_records_the_status_and_every_attempt(
    traced, server, monkeypatch
) -> None:
    server.script(*[Turn(error=HttpError(503))] * FAILED_EMBEDDING_REQUESTS)

    with pytest.raises(Exception) as raised:
        embed(server, monkeypatch, ["sunny"])

    assert type(raised.value).__name__ == "ServerError"
    assert len(server.requests) == FAILED_EMBEDDING_REQUESTS
    span = the_span(traced.spans(), f"embeddings {ASKED_MODEL}")
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes) == {
        **embeddings_sent(server),
        "error.type": "google.genai.errors.ServerError",
        "http.response.status_code": 503,
        "otelscope.request.attempts": FAILED_EMBEDDING_REQUESTS,
    }


# -- the reader itself, under a traced call's record, without AgentScope --------------


class _TracedCall:
    """What a traced model call gives the SDK readers: its record."""

    def __init__(self) -> None:
        self.record = Served()

    def served_record(self) -> Served:
        return self.record


@contextmanager
def serving() -> Iterator[Served]:
    """Make a traced call's record current, as otelscope does while a model
    call runs."""
    call = _TracedCall()
    token = enter_serving(call)
    try:
        yield call.record
    finally:
        leave_serving(token)


def _client(server: FakeGemini) -> Any:
    from google import genai

    return genai.Client(api_key=FAKE_KEY, http_options=gemini_models.http_options(server))


def _generate(server: FakeGemini, is_async: bool, stream: bool) -> list[Any]:
    """Generate through the SDK, as AgentScope does on either line or as a
    user's sync code would; the SDK's responses. A task started by ``run``
    sees the record made current by the caller."""
    # The client closes its HTTP clients when it is collected: it is kept.
    client = _client(server)
    options = {"model": ASKED_MODEL, "contents": "Weather?", "config": {"max_output_tokens": 64}}
    if not is_async:
        if stream:
            return list(client.models.generate_content_stream(**options))
        return [client.models.generate_content(**options)]

    async def generate() -> list[Any]:
        if stream:
            return [c async for c in await client.aio.models.generate_content_stream(**options)]
        return [await client.aio.models.generate_content(**options)]

    return run(generate())


SYNC_OR_ASYNC = [pytest.param(False, id="sync"), pytest.param(True, id="async")]


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("is_async", SYNC_OR_ASYNC)
def test_the_reader_records_what_was_served_sync_or_async_whole_or_streamed(
    traced, server, is_async, stream
) -> None:
    turn = Turn(text="Let me look.", tool_calls=(WEATHER_CALL,), finish_reason="STOP", usage=USAGE)
    server.script(turn)

    with serving() as record:
        responses = _generate(server, is_async, stream)

    # The SDK's own responses, as many as it parsed.
    assert len(responses) == (4 if stream else 1)
    assert responses[-1].candidates[0].finish_reason.value == "STOP"
    assert record.result() == ServedResult(
        response_id=turn.response_id,
        response_model=turn.model,
        finish_reasons=("tool_call",),
        input_tokens=11,
        output_tokens=7,
        cache_read_input_tokens=3,
        reasoning_output_tokens=2,
    )
    assert record.attributes(failed=False) == {
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.max_tokens": 64,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": 1,
    }
    # Nothing went to a span: the record belongs to no traced call here.
    assert traced.spans() == []


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("is_async", SYNC_OR_ASYNC)
def test_the_reader_records_the_status_of_an_http_error_and_every_attempt(
    traced, server, is_async, stream
) -> None:
    from google.genai.errors import ClientError

    server.script(*[Turn(error=HttpError(429))] * gemini_models.SDK_ATTEMPTS)

    with serving() as record, pytest.raises(ClientError):
        _generate(server, is_async, stream)

    assert len(server.requests) == gemini_models.SDK_ATTEMPTS
    assert record.result() is None
    assert record.attributes(failed=True) == {
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.max_tokens": 64,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": gemini_models.SDK_ATTEMPTS,
        "http.response.status_code": 429,
    }


def test_each_candidate_is_read_across_chunks_in_index_order() -> None:
    """Two candidates, streamed: the second's function call comes before its
    finish reason, and the first (index 0, left out) finishes last."""
    call = {"functionCall": {"name": "get_weather", "args": {}}}
    generation = Generation()
    generation.chunk({"candidates": [{"index": 1, "content": {"parts": [call]}}]})
    generation.chunk({"candidates": [{"index": 1, "finishReason": "STOP"}, {"content": {}}]})
    # The first candidate is still running.
    assert generation.result().finish_reasons is None

    generation.chunk({"candidates": [{"finishReason": "RECITATION"}]})

    assert generation.result().finish_reasons == ("content_filter", "tool_call")


@pytest.mark.skipif(LINE != 1, reason="1.x's Gemini embedding class does not send its dimensions")
def test_dimensions_the_request_did_not_ask_for_are_not_recorded(
    traced, server, monkeypatch
) -> None:
    """1.x ``GeminiTextEmbedding`` is made with dimensions it never sends:
    the span says what the request asked for, which is no dimension count."""
    server.script(Turn(usage=Usage(input_tokens=4)))
    model = gemini_models.embedding_model(server, monkeypatch)

    run(model(["sunny"]))

    [request] = server.requests_for(BATCH_EMBED)
    assert "outputDimensionality" not in request.json()["requests"][0]
    span = the_span(traced.spans(), f"embeddings {ASKED_MODEL}")
    expected = embeddings_sent(server)
    del expected["gen_ai.embeddings.dimension.count"]
    assert dict(span.attributes) == {
        **expected,
        "gen_ai.usage.input_tokens": 4,
        "otelscope.request.attempts": 1,
    }
