"""Chat spans of AgentScope 2.x's ``XAIChatModel`` record what xAI served,
read in ``xai_sdk`` (gRPC): the real model class and the real SDK against
``FakeXAI`` on loopback.

The server reports a model other than the one asked for, random response
ids, xAI's own finish reasons and detailed usage; the span must carry
exactly those, the endpoint called, the request as sent, the RPCs sent and
the gRPC status of a failure.

Only 2.x has ``XAIChatModel``; ``xai_sdk`` is installed with it, and this
module imports nothing of it at the top, so on 1.x it is skipped, not broken.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.trace import StatusCode

from otelscope.core.patching import ORIGINAL_ATTRIBUTE
from tests.providers.fake_server import HttpError, ToolCall, Turn, Usage, running
from tests.providers.models import ASKED_MODEL, FAKE_KEY, LINE, MAX_TOKENS, question
from tests.providers.spans import attributes_without_ttfc, run, the_chat_span

if TYPE_CHECKING:  # imports xai_sdk, which 1.x lacks
    from tests.providers.xai_server import FakeXAI

pytestmark = pytest.mark.skipif(LINE != 2, reason="XAIChatModel exists on AgentScope 2.x only")

USAGE = Usage(input_tokens=11, output_tokens=7, cache_read_tokens=3, reasoning_tokens=2)
WEATHER_CALL = ToolCall("call_w1", "get_weather", '{"city": "Paris"}')
# Neither is a 32-bit float: the request proto carries 0.699999988... and
# 0.899999976...; the span says what was asked.
TEMPERATURE = 0.7
TOP_P = 0.9
# AgentScope's own retries around each SDK call (none for a stream, whose
# RPC starts when it is read, after the retry loop has returned).
AGENTSCOPE_RETRIES = 1
RPC_ERROR = "grpc.aio._call.AioRpcError"
# The request every model of this module sends (``xai_model``).
REQUEST_ATTRIBUTES = {
    "gen_ai.request.model": ASKED_MODEL,
    "gen_ai.request.max_tokens": MAX_TOKENS,
    "gen_ai.request.temperature": TEMPERATURE,
    "gen_ai.request.top_p": TOP_P,
}
RESOURCE_EXHAUSTED = 8


@pytest.fixture(params=[False, True], ids=["json", "stream"])
def stream(request: pytest.FixtureRequest) -> bool:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def server() -> Iterator[FakeXAI]:
    from tests.providers.xai_server import FakeXAI

    with running(FakeXAI()) as running_server:
        yield running_server


def xai_model(
    server: FakeXAI, stream: bool, *, local: bool = False, channel_retries: bool = False
) -> Any:
    """``XAIChatModel`` on the fake, on an insecure channel to 127.0.0.1, or
    ``local``ly: to ``localhost:PORT``, for which the SDK picks gRPC's local
    credentials by itself. The channel's own retries of UNAVAILABLE are off
    unless asked for."""
    from agentscope.credential import XAICredential
    from agentscope.model import XAIChatModel

    api_host = server.localhost_api_host if local else server.api_host
    options: dict[str, Any] = {} if local else {"use_insecure_channel": True}
    if not channel_retries:
        options["channel_options"] = [("grpc.enable_retries", 0)]
    return XAIChatModel(
        XAICredential(api_key=FAKE_KEY, api_host=api_host),
        ASKED_MODEL,
        parameters=XAIChatModel.Parameters(
            max_tokens=MAX_TOKENS, temperature=TEMPERATURE, top_p=TOP_P
        ),
        stream=stream,
        max_retries=AGENTSCOPE_RETRIES,
        retry_delay=0.0,
        client_kwargs=options,
    )


async def ask(model: Any, **kwargs: Any) -> Any:
    """Call ``model`` once as an agent would; a stream is read to its end."""
    response = await model(question(), **kwargs)
    if not inspect.isasyncgen(response):
        return response
    last = None
    async for chunk in response:
        last = chunk
    return last


def sent(server: FakeXAI) -> list[Any]:
    """The request protos that reached the server."""
    from tests.providers.xai_server import request_of

    return [request_of(record) for record in server.requests]


def expected_chat(server: FakeXAI, stream: bool, turn: Turn, reason: str) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "x_ai",
        "gen_ai.request.stream": stream,
        **REQUEST_ATTRIBUTES,
        "gen_ai.response.id": turn.response_id,
        "gen_ai.response.model": turn.model,
        "gen_ai.response.finish_reasons": (reason,),
        "gen_ai.usage.input_tokens": 11,
        # xAI's completion tokens (5) plus its reasoning tokens (2).
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 3,
        "gen_ai.usage.reasoning.output_tokens": 2,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": 1,
    }


def tool_call_ids(response: Any) -> list[str]:
    return [block.id for block in response.content if type(block).__name__ == "ToolCallBlock"]


# -- what was served ------------------------------------------------------------------


def test_a_tool_call_is_recorded_as_served(traced, server, stream) -> None:
    turn = Turn(
        text="Let me look.",
        tool_calls=(WEATHER_CALL,),
        finish_reason="REASON_TOOL_CALLS",
        usage=USAGE,
    )
    server.script(turn)

    response = run(ask(xai_model(server, stream)))

    assert tool_call_ids(response) == ["call_w1"]
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.UNSET
    assert attributes_without_ttfc(span, stream) == expected_chat(server, stream, turn, "tool_call")
    [request] = sent(server)
    assert request.temperature != TEMPERATURE
    assert request.temperature == pytest.approx(TEMPERATURE)


@pytest.mark.parametrize(
    ("xai_reason", "reason"),
    [
        ("REASON_STOP", "stop"),
        ("REASON_MAX_LEN", "length"),
        ("REASON_MAX_CONTEXT", "length"),
        ("REASON_TIME_LIMIT", "time_limit"),
    ],
)
def test_finish_reasons_are_recorded_in_the_conventions_values(
    traced, server, stream, xai_reason, reason
) -> None:
    turn = Turn(text="It is sunny and", finish_reason=xai_reason, usage=USAGE)
    server.script(turn)

    run(ask(xai_model(server, stream)))

    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == expected_chat(server, stream, turn, reason)


def test_the_request_is_recorded_as_sent(traced, server, stream) -> None:
    """Keyword arguments of the call reach the SDK's ``chat.create``."""
    turn = Turn(text='{"sky": "clear"}', usage=USAGE)
    server.script(turn)

    run(
        ask(
            xai_model(server, stream),
            seed=7,
            stop=["END"],
            frequency_penalty=0.25,
            response_format="json_object",
        )
    )

    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == {
        **expected_chat(server, stream, turn, "stop"),
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.request.frequency_penalty": 0.25,
        "gen_ai.output.type": "json",
    }
    [request] = sent(server)
    assert (request.seed, list(request.stop), request.n) == (7, ["END"], 1)


def test_the_endpoint_is_the_host_the_client_was_given(traced, server) -> None:
    server.script(Turn(text="Sunny.", usage=USAGE))

    run(ask(xai_model(server, False, local=True)))

    attributes = the_chat_span(traced).attributes
    assert (attributes["server.address"], attributes["server.port"]) == ("localhost", server.port)


# -- errors ---------------------------------------------------------------------------


def failing_call(server: FakeXAI, stream: bool) -> tuple[str, Any, int]:
    """Call a model whose server answers RESOURCE_EXHAUSTED to every RPC: the
    error's class and status, and the RPCs that reached the server."""
    server.script(*[Turn(error=HttpError(429))] * (AGENTSCOPE_RETRIES + 1))
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        run(ask(xai_model(server, stream)))
    return type(raised.value).__name__, raised.value.code(), len(server.requests) - before


def test_a_grpc_error_ends_the_span_as_that_error_after_every_retry(traced, server, stream) -> None:
    error, status, requests = failing_call(server, stream)

    assert (error, status.name) == ("AioRpcError", "RESOURCE_EXHAUSTED")
    assert requests == (1 if stream else AGENTSCOPE_RETRIES + 1)
    span = the_chat_span(traced)
    assert span.status.status_code == StatusCode.ERROR
    assert attributes_without_ttfc(span, False) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "x_ai",
        "gen_ai.request.stream": stream,
        **REQUEST_ATTRIBUTES,
        "error.type": RPC_ERROR,
        "rpc.grpc.status_code": RESOURCE_EXHAUSTED,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": requests,
    }


def test_otelscope_sends_no_rpc_of_its_own(traced, server, stream) -> None:
    """The same failing call with and without otelscope: the same error, and
    the same number of RPCs reach the server."""
    traced_outcome = failing_call(server, stream)
    traced.instrumentor.uninstrument()

    assert failing_call(server, stream) == traced_outcome
    assert len(traced.spans()) == 1


def test_the_channels_own_retries_are_invisible_and_count_once(traced, server, stream) -> None:
    """xai_sdk's channel retries UNAVAILABLE inside gRPC's core, out of
    Python's sight: two RPCs reach the server, the SDK sent one."""
    turn = Turn(text="Sunny.", usage=USAGE)
    server.script(Turn(error=HttpError(503)), turn)

    run(ask(xai_model(server, stream, channel_retries=True)))

    assert len(server.requests) == 2
    attributes = attributes_without_ttfc(the_chat_span(traced), stream)
    assert attributes == expected_chat(server, stream, turn, "stop")


def test_the_key_planted_in_the_client_is_in_no_exported_byte(traced, server, stream) -> None:
    server.script(Turn(text="Sunny.", usage=USAGE))
    server.script(*[Turn(error=HttpError(401))] * (AGENTSCOPE_RETRIES + 1))
    run(ask(xai_model(server, stream)))
    with pytest.raises(Exception, match="UNAUTHENTICATED"):
        run(ask(xai_model(server, stream)))

    exported = encode_spans(traced.spans()).SerializeToString()
    exported += encode_metrics(traced.metric_reader.get_metrics_data()).SerializeToString()
    # The key did reach the server, in the call's metadata.
    assert any(FAKE_KEY in str(record.headers) for record in server.requests)
    assert FAKE_KEY.encode() not in exported
    assert b"sk-fake" not in exported


# -- the SDK itself -------------------------------------------------------------------


def test_the_sdk_used_outside_a_model_call_is_not_read(traced, server) -> None:
    from xai_sdk import AsyncClient
    from xai_sdk.chat import user

    server.script(Turn(text="Sunny.", usage=USAGE))

    async def sample() -> Any:
        client = AsyncClient(
            api_key=FAKE_KEY,
            api_host=server.api_host,
            use_insecure_channel=True,
        )
        try:
            chat = client.chat.create(model=ASKED_MODEL, messages=[user("Weather?")])
            return await chat.sample()
        finally:
            await client.close()

    assert run(sample()).content == "Sunny."
    assert traced.spans() == []


def test_uninstrument_gives_the_sdk_its_methods_back(traced) -> None:
    from xai_sdk.aio.chat import Chat
    from xai_sdk.aio.client import Client

    def wrapped() -> list[bool]:
        read = (Client._init, Chat._make_request, Chat.sample, Chat.stream)
        return [hasattr(method, ORIGINAL_ATTRIBUTE) for method in read]

    assert wrapped() == [True] * 4
    traced.instrumentor.uninstrument()

    assert wrapped() == [False] * 4
    # Inherited from the sync and async chats' base, so taken off again.
    assert "_make_request" not in Chat.__dict__


# -- targets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "endpoint"),
    [
        ("api.x.ai", ("api.x.ai", 443)),
        ("localhost:50051", ("localhost", 50051)),
        ("[::1]:8443", ("::1", 8443)),
        ("::1", ("::1", 443)),
        ("dns:///api.x.ai:443", ("api.x.ai", 443)),
        ("dns://8.8.8.8/api.x.ai", ("api.x.ai", 443)),
        ("ipv4:10.0.0.1:9000,10.0.0.2:9000", ("10.0.0.1", 9000)),
        ("unix:/run/xai.sock", ("/run/xai.sock", None)),
        ("api.x.ai:https", ("api.x.ai", None)),
    ],
)
def test_the_endpoint_of_a_grpc_target(target, endpoint) -> None:
    from otelscope.provider_sdks.xai_sdk import endpoint_of

    assert endpoint_of(target) == endpoint
