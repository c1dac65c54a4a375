"""Chat spans record what the provider served, for every AgentScope model
class built on the ``openai`` and ``anthropic`` SDKs, on the installed line:
AgentScope's real classes, the providers' real SDKs, fake servers on
loopback.

Each server reports a model other than the one asked for, random response
ids, its own finish reasons and detailed usage; the span must carry exactly
those, the endpoint called and the request as sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.trace import StatusCode

from tests.providers import models
from tests.providers.anthropic_server import FakeAnthropic
from tests.providers.fake_server import FakeServer, HttpError, ToolCall, Turn, Usage, running
from tests.providers.models import ASKED_MODEL, FAILED_CALL_REQUESTS, LINE, MAX_TOKENS
from tests.providers.openai_responses_server import FakeOpenAIResponses
from tests.providers.openai_server import FakeOpenAI
from tests.providers.spans import attributes_without_ttfc, run, the_chat_span

USAGE = Usage(input_tokens=11, output_tokens=7, cache_read_tokens=3, reasoning_tokens=2)
WEATHER_CALL = ToolCall("call_w1", "get_weather", '{"city": "Paris"}')

# The fake server and the provider's own finish reasons of each SDK family:
# (server class, reason for a tool call, reason for running out of tokens).
FAMILIES: dict[str, tuple[type[FakeServer], str, str]] = {
    "openai": (FakeOpenAI, "tool_calls", "length"),
    "anthropic": (FakeAnthropic, "tool_use", "max_tokens"),
    "openai-responses": (FakeOpenAIResponses, "completed", "max_output_tokens"),
}
FAMILY_OF = {
    **{kind: "openai" for kind in models.OPENAI_CHAT_KINDS},
    **{kind: "anthropic" for kind in models.ANTHROPIC_KINDS},
    **{kind: "openai-responses" for kind in models.RESPONSES_KINDS},
}
# Trinity-RFT's client never streams.
CASES = [
    (kind, stream)
    for kind in FAMILY_OF
    for stream in (False, True)
    if not (kind == "trinity" and stream)
]


def case_id(case: tuple[str, bool]) -> str:
    return f"{case[0]}-{'stream' if case[1] else 'json'}"


@pytest.fixture(params=CASES, ids=case_id)
def case(request: pytest.FixtureRequest) -> tuple[str, bool]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def server(case: tuple[str, bool]) -> Iterator[FakeServer]:
    server_class = FAMILIES[FAMILY_OF[case[0]]][0]
    with running(server_class()) as running_server:
        yield running_server


def served_usage(family: str) -> dict[str, int]:
    """The conventions' usage for ``USAGE`` as each family's fake reports it."""
    if family == "anthropic":
        # Anthropic reports cached input apart; the conventions count it in.
        return {
            "gen_ai.usage.input_tokens": 11 + 3 + 0,
            "gen_ai.usage.output_tokens": 7,
            "gen_ai.usage.cache_read.input_tokens": 3,
            "gen_ai.usage.cache_creation.input_tokens": 0,
            "gen_ai.usage.reasoning.output_tokens": 2,
        }
    usage = {
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 3,
        "gen_ai.usage.reasoning.output_tokens": 2,
    }
    if family == "openai-responses":
        # The Responses API always reports cache writes (0 here).
        usage["gen_ai.usage.cache_creation.input_tokens"] = 0
    return usage


def request_sent(kind: str) -> dict[str, Any]:
    """The request parameters each class sends with the suite's settings."""
    sent: dict[str, Any] = {
        "gen_ai.request.model": ASKED_MODEL,
        "gen_ai.request.max_tokens": MAX_TOKENS,
    }
    if LINE == 1 and FAMILY_OF[kind] != "anthropic":
        sent["gen_ai.request.temperature"] = 0.5
    return sent


def expected_chat(
    kind: str, stream: bool, server: FakeServer, turn: Turn, reason: str
) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": models.PROVIDER_NAMES[kind],
        "gen_ai.request.stream": stream,
        **request_sent(kind),
        "gen_ai.response.id": turn.response_id,
        "gen_ai.response.model": turn.model,
        "gen_ai.response.finish_reasons": (reason,),
        **served_usage(FAMILY_OF[kind]),
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": 1,
    }


def test_a_tool_call_is_recorded_as_served(traced, case, server) -> None:
    kind, stream = case
    _, tool_reason, _ = FAMILIES[FAMILY_OF[kind]]
    turn = Turn(text="Let me look.", tool_calls=(WEATHER_CALL,), finish_reason=tool_reason)
    turn = Turn(**{**turn.__dict__, "usage": USAGE})
    server.script(turn)

    response = run(models.ask(models.chat_model(kind, server, stream)))

    assert _tool_call_ids(response) == ["call_w1"]
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.UNSET
    assert attributes_without_ttfc(span, stream) == expected_chat(
        kind, stream, server, turn, "tool_call"
    )


def test_running_out_of_tokens_is_recorded_as_length(traced, case, server) -> None:
    kind, stream = case
    _, _, length_reason = FAMILIES[FAMILY_OF[kind]]
    turn = Turn(text="It is sunny and", finish_reason=length_reason, usage=USAGE)
    server.script(turn)

    run(models.ask(models.chat_model(kind, server, stream)))

    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == expected_chat(kind, stream, server, turn, "length")


def _tool_call_ids(response: Any) -> list[str]:
    blocks = response.content
    if LINE == 1:
        return [block["id"] for block in blocks if block.get("type") == "tool_use"]
    return [block.id for block in blocks if type(block).__name__ == "ToolCallBlock"]


# -- errors ---------------------------------------------------------------------------


def failing_call(kind: str, stream: bool, server: FakeServer) -> tuple[str, int]:
    """Call a model whose server answers 429 to every request: the error's
    class and the requests that reached the server."""
    server.script(*[Turn(error=HttpError(429))] * FAILED_CALL_REQUESTS)
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        run(models.ask(models.chat_model(kind, server, stream)))
    return type(raised.value).__name__, len(server.requests) - before


def test_an_http_error_ends_the_span_as_that_error_after_every_retry(traced, case, server) -> None:
    kind, stream = case

    error, requests = failing_call(kind, stream, server)

    assert (error, requests) == ("RateLimitError", FAILED_CALL_REQUESTS)
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.ERROR
    sdk = "anthropic" if FAMILY_OF[kind] == "anthropic" else "openai"
    assert dict(span.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": models.PROVIDER_NAMES[kind],
        "gen_ai.request.stream": stream,
        **request_sent(kind),
        "error.type": f"{sdk}.RateLimitError",
        "http.response.status_code": 429,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": FAILED_CALL_REQUESTS,
    }


def test_otelscope_sends_no_request_of_its_own(traced, case, server) -> None:
    """The same failing call with and without otelscope: the same error,
    and the same number of requests reach the provider."""
    kind, stream = case
    traced_outcome = failing_call(kind, stream, server)
    traced.instrumentor.uninstrument()
    assert failing_call(kind, stream, server) == traced_outcome
    assert len(traced.spans()) == 1


def test_the_key_planted_in_the_client_is_in_no_exported_byte(traced, case, server) -> None:
    kind, stream = case
    server.script(Turn(text="Sunny.", usage=USAGE), Turn(error=HttpError(401)))
    run(models.ask(models.chat_model(kind, server, stream)))
    with pytest.raises(Exception, match="401"):
        run(models.ask(models.chat_model(kind, server, stream)))

    metrics = traced.metric_reader.get_metrics_data()
    exported = encode_spans(traced.spans()).SerializeToString()
    exported += encode_metrics(metrics).SerializeToString()
    # The key did reach the server, in the request headers.
    assert any(models.FAKE_KEY in str(r.headers) for r in server.requests)
    assert models.FAKE_KEY.encode() not in exported
    assert b"sk-fake" not in exported


def test_captured_output_carries_the_providers_finish_reason(capture, case, server) -> None:
    kind, stream = case
    _, tool_reason, _ = FAMILIES[FAMILY_OF[kind]]
    server.script(Turn(tool_calls=(WEATHER_CALL,), finish_reason=tool_reason, usage=USAGE))
    capture.instrument(capture_content="SPAN_ONLY")

    run(models.ask(models.chat_model(kind, server, stream)))

    [span] = capture.traced.spans()
    [message] = json.loads(span.attributes["gen_ai.output.messages"])
    assert message["finish_reason"] == "tool_call"
    assert [part["id"] for part in message["parts"] if part["type"] == "tool_call"] == ["call_w1"]
