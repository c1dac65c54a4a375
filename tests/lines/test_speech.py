"""`text_to_speech` and `speech_to_text` spans on both AgentScope lines: the
real OpenAI TTS (both lines) and ASR (2.x) classes, driving the real
``openai`` SDK against a fake server on loopback, and the real DashScope and
Gemini TTS classes, driving the ``dashscope`` SDK (over HTTP and websockets)
and the ``google-genai`` SDK against fakes on loopback."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import conventions as conv
from tests.conftest import Traced
from tests.lines.line import line_kit
from tests.providers.dashscope_audio_server import (
    INFERENCE_PATH,
    MULTIMODAL_GENERATION_PATH,
    REALTIME_PATH,
    FakeDashScopeAudio,
)
from tests.providers.dashscope_audio_server import PCM as DASHSCOPE_PCM
from tests.providers.fake_server import HttpError, Turn, Usage, running
from tests.providers.gemini_audio_server import GENERATE as GEMINI_GENERATE
from tests.providers.gemini_audio_server import PCM as GEMINI_PCM
from tests.providers.gemini_audio_server import STREAM_GENERATE as GEMINI_STREAM_GENERATE
from tests.providers.gemini_audio_server import FakeGeminiAudio
from tests.providers.openai_audio_server import (
    AUDIO,
    SECONDS,
    SPEECH_PATH,
    TRANSCRIPTIONS_PATH,
    FakeOpenAIAudio,
)
from tests.providers.spans import attributes_without_ttfc, run

speech = line_kit("speech_kit")
needs_tts = pytest.mark.skipif(not speech.HAS_TTS, reason=speech.NO_TTS)
needs_asr = pytest.mark.skipif(not speech.HAS_ASR, reason=speech.NO_ASR)

TEXT = "Bonjour, Paris!"
TRANSCRIPT = "Weather in Oslo, please."


@pytest.fixture
def server() -> Iterator[FakeOpenAIAudio]:
    with running(FakeOpenAIAudio()) as fake:
        yield fake


def endpoint(server: FakeOpenAIAudio) -> dict[str, Any]:
    return {"server.address": "127.0.0.1", "server.port": server.port}


def tts_attributes(server: FakeOpenAIAudio, stream: bool) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "text_to_speech",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": speech.TTS_MODEL,
        "gen_ai.request.stream": stream,
        "gen_ai.output.type": "speech",
        "otelscope.speech.voice": speech.DEFAULT_VOICE,
        "otelscope.speech.text.characters": len(TEXT),
        "otelscope.speech.audio.bytes": len(AUDIO),
        "otelscope.speech.audio.duration": SECONDS,
        **endpoint(server),
        "otelscope.request.attempts": 1,
    }


async def synthesized(model: Any, text: str) -> bytes:
    """The audio a TTS call gave, whole, as its caller reads it."""
    response = await speech.synthesize(model, text)
    if not model.stream:
        return base64.b64decode(_data(response))
    parts = [chunk async for chunk in response]
    return _joined(parts)


def _data(response: Any) -> str:
    content = response.content
    source = content["source"] if isinstance(content, dict) else content.source
    return source["data"] if isinstance(source, dict) else source.data


def _joined(chunks: list[Any]) -> bytes:
    """1.x's OpenAI stream repeats its last piece in the final chunk."""
    pieces = [base64.b64decode(_data(c)) for c in chunks if c.content is not None]
    if speech.TTS_MODEL == "gpt-4o-mini-tts":  # 1.x
        pieces = pieces[:-1]
    return b"".join(pieces)


@needs_tts
@pytest.mark.parametrize("stream", [False, True])
def test_a_tts_call_is_one_client_span_with_its_sizes(
    traced: Traced, server: FakeOpenAIAudio, stream: bool
) -> None:
    server.script(Turn())
    model = speech.tts_model(server.base_url, stream)

    audio = run(synthesized(model, TEXT))

    assert audio == AUDIO  # the caller's audio, unchanged
    assert len(server.requests_to(SPEECH_PATH)) == 1
    [span] = traced.spans()
    assert span.name == f"text_to_speech {speech.TTS_MODEL}"
    assert span.kind == SpanKind.CLIENT
    assert span.parent is None
    assert attributes_without_ttfc(span, stream) == tts_attributes(server, stream)
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == {
        "gen_ai.operation.name": "text_to_speech",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": speech.TTS_MODEL,
        **endpoint(server),
    }
    assert duration.count == 1


@needs_tts
@pytest.mark.parametrize("stream", [False, True])
def test_a_tts_call_the_server_refuses_raises_unchanged_and_is_marked(
    traced: Traced, server: FakeOpenAIAudio, stream: bool
) -> None:
    import openai

    server.script(Turn(error=HttpError(400, "no such voice")))
    model = speech.tts_model(server.base_url, stream)

    with pytest.raises(openai.BadRequestError, match="no such voice"):
        run(synthesized(model, TEXT))

    assert len(server.requests_to(SPEECH_PATH)) == 1
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    attributes = dict(span.attributes)
    assert attributes == {
        **{
            key: value
            for key, value in tts_attributes(server, stream).items()
            if key not in ("otelscope.speech.audio.bytes", "otelscope.speech.audio.duration")
        },
        "error.type": "openai.BadRequestError",
        "http.response.status_code": 400,
    }
    [event] = span.events
    assert event.name == "exception"
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes)["error.type"] == "openai.BadRequestError"


@needs_tts
@pytest.mark.parametrize("stream", [False, True])
def test_a_tts_call_in_a_dropped_trace_makes_no_span(server: FakeOpenAIAudio, stream: bool) -> None:
    server.script(Turn())
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrument()
    try:
        model = speech.tts_model(server.base_url, stream)
        tracer = traced.provider.get_tracer("app")

        async def under_a_dropped_span() -> bytes:
            with tracer.start_as_current_span("app"):
                return await synthesized(model, TEXT)

        assert run(under_a_dropped_span()) == AUDIO
    finally:
        traced.instrumentor.uninstrument()
    assert traced.spans() == []
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert duration.count == 1


@needs_tts
def test_a_tts_call_nests_under_the_current_span(traced: Traced, server: FakeOpenAIAudio) -> None:
    server.script(Turn())
    model = speech.tts_model(server.base_url, stream=True)
    tracer = traced.provider.get_tracer("app")

    async def inside() -> bytes:
        with tracer.start_as_current_span("app"):
            return await synthesized(model, TEXT)

    run(inside())
    by_name = {span.name: span for span in traced.spans()}
    assert sorted(by_name) == ["app", f"text_to_speech {speech.TTS_MODEL}"]
    app, speech_span = by_name["app"], by_name[f"text_to_speech {speech.TTS_MODEL}"]
    assert speech_span.parent is not None
    assert speech_span.parent.span_id == app.context.span_id


@needs_tts
@pytest.mark.parametrize("mode", ["NO_CONTENT", "SPAN_ONLY"])
def test_the_text_to_synthesize_is_content(
    capture: Any, server: FakeOpenAIAudio, mode: str
) -> None:
    server.script(Turn())
    capture.instrument(capture_content=mode, max_content_length=10)
    model = speech.tts_model(server.base_url, stream=False)

    run(synthesized(model, TEXT))

    span = capture.tree().span
    messages = span.attributes.get("gen_ai.input.messages")
    if mode == "NO_CONTENT":
        assert messages is None
        assert "Bonjour" not in capture.exported()
    else:
        whole = '[{"role": "user", "parts": [{"type": "text", "content": "Bonjour, Paris!"}]}]'
        assert messages == whole[:10] + f"...[truncated {len(whole) - 10} characters]"
    # Never content: the size.
    assert span.attributes["otelscope.speech.text.characters"] == len(TEXT)


def asr_attributes(server: FakeOpenAIAudio) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "speech_to_text",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": speech.ASR_MODEL,
        "gen_ai.request.stream": False,
        "gen_ai.output.type": "text",
        "otelscope.speech.audio.bytes": len(AUDIO),
        "otelscope.speech.audio.duration": SECONDS,
        "otelscope.speech.text.characters": len(TRANSCRIPT),
        "gen_ai.usage.input_tokens": 30,
        "gen_ai.usage.output_tokens": 6,
        **endpoint(server),
        "otelscope.request.attempts": 1,
    }


@needs_asr
def test_an_asr_call_is_one_client_span_with_its_sizes_and_usage(
    traced: Traced, server: FakeOpenAIAudio
) -> None:
    server.script(Turn(text=TRANSCRIPT, usage=Usage(30, 6)))
    model = speech.asr_model(server.base_url)

    response = run(model.transcribe(AUDIO, filename="question.wav"))

    assert response.content.text == TRANSCRIPT
    [request] = server.requests_to(TRANSCRIPTIONS_PATH)
    assert AUDIO in request.body
    [span] = traced.spans()
    assert (span.name, span.kind) == (f"speech_to_text {speech.ASR_MODEL}", SpanKind.CLIENT)
    assert dict(span.attributes) == asr_attributes(server)
    metrics = traced.metrics()
    usage = {
        dict(p.attributes)["gen_ai.token.type"]: p.sum for p in metrics[conv.METRIC_TOKEN_USAGE]
    }
    assert usage == {"input": 30, "output": 6}


@needs_asr
def test_an_asr_call_the_server_refuses_raises_unchanged_and_is_marked(
    traced: Traced, server: FakeOpenAIAudio
) -> None:
    import openai

    server.script(Turn(error=HttpError(429, "slow down")))
    model = speech.asr_model(server.base_url)

    with pytest.raises(openai.RateLimitError, match="slow down"):
        run(model.transcribe(AUDIO))

    assert len(server.requests_to(TRANSCRIPTIONS_PATH)) == 1
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    expected = {
        key: value
        for key, value in asr_attributes(server).items()
        if not key.startswith("gen_ai.usage") and key != "otelscope.speech.text.characters"
    }
    assert dict(span.attributes) == {
        **expected,
        "error.type": "openai.RateLimitError",
        "http.response.status_code": 429,
    }


@needs_asr
@pytest.mark.parametrize("mode", ["NO_CONTENT", "SPAN_ONLY"])
def test_a_transcript_is_content(capture: Any, server: FakeOpenAIAudio, mode: str) -> None:
    server.script(Turn(text=TRANSCRIPT))
    capture.instrument(capture_content=mode, redact=lambda key, value: value.replace("Oslo", "***"))
    model = speech.asr_model(server.base_url)

    run(model.transcribe(AUDIO))

    span = capture.tree().span
    if mode == "NO_CONTENT":
        assert "gen_ai.output.messages" not in span.attributes
        assert "Oslo" not in capture.exported()
    else:
        assert span.attributes["gen_ai.output.messages"] == (
            '[{"role": "assistant", "parts": [{"type": "text", "content": '
            '"Weather in ***, please."}], "finish_reason": "stop"}]'
        )


@needs_asr
def test_an_asr_call_in_a_dropped_trace_makes_no_span(server: FakeOpenAIAudio) -> None:
    server.script(Turn(text=TRANSCRIPT))
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrument()
    try:
        model = speech.asr_model(server.base_url)
        with trace.use_span(traced.provider.get_tracer("app").start_span("app"), end_on_exit=True):
            run(model.transcribe(AUDIO))
    finally:
        traced.instrumentor.uninstrument()
    assert traced.spans() == []
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert duration.count == 1


# -- the DashScope and Gemini TTS classes ----------------------------------------------
# AgentScope's real classes through the real ``dashscope`` SDK (HTTP, and its
# websocket clients) and ``google-genai`` SDK, against fakes on loopback
# (``tests.providers.dashscope_audio_server``, ``gemini_audio_server``).

REFUSAL = "no such voice"
PROVIDER_USAGE = Usage(input_tokens=11, output_tokens=7)
# The endpoint each class's SDK reads: the HTTP classes' requests and the
# CosyVoice classes' connections (made during the call) are its attempts; the
# Qwen realtime class connects before the call, which only reports the URL.
ATTEMPTS = {"qwen": 1, "qwen_realtime": None, "cosyvoice": 1, "cosyvoice_realtime": 1, "gemini": 1}
# What the provider reports as usage: its HTTP APIs' tokens (the websocket
# APIs count characters).
REPORTS_USAGE = frozenset({"qwen", "gemini"})
ERRORS = {
    "qwen": ("RuntimeError", 400),
    "qwen_realtime": ("RuntimeError", None),
    "cosyvoice": ("dashscope.common.error.RequestFailure", None),
    "cosyvoice_realtime": ("dashscope.common.error.RequestFailure", None),
    "gemini": ("google.genai.errors.ClientError", 400),
}
PROVIDER_PATHS = {
    "qwen": MULTIMODAL_GENERATION_PATH,
    "qwen_realtime": REALTIME_PATH,
    "cosyvoice": INFERENCE_PATH,
    "cosyvoice_realtime": INFERENCE_PATH,
}


@pytest.fixture(params=speech.PROVIDER_CASES if speech.HAS_TTS else ())
def provider(request: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """(the class's case, its fake server), the DashScope SDK's process-wide
    URLs and key pointed at the fake and put back afterwards."""
    case: str = request.param
    if case == "gemini":
        gemini = FakeGeminiAudio()
        with running(gemini):
            yield case, gemini
        return
    import dashscope

    fake = FakeDashScopeAudio()
    with running(fake):
        monkeypatch.setattr(dashscope, "base_http_api_url", fake.base_url)
        monkeypatch.setattr(dashscope, "base_websocket_api_url", fake.websocket_url)
        monkeypatch.setattr(dashscope, "api_key", None)
        yield case, fake


def _turn(case: str) -> Turn:
    return Turn(usage=PROVIDER_USAGE, finish_reason="STOP" if case == "gemini" else "stop")


def _decoded(data: str) -> bytes:
    """Base64, or base64 pieces each padded and put end to end (1.x's
    Gemini and realtime DashScope classes join them so)."""
    return b"".join(base64.b64decode(piece) for piece in re.findall(r"[^=]+=*", data))


async def provider_audio(model: Any, text: str) -> bytes:
    """The audio a TTS call gave, whole, as its caller reads it; a realtime
    model connects first and closes after (``async with``)."""
    async with model:
        response = await speech.synthesize(model, text)
        if not model.stream:
            return _decoded(_data(response))
        datas = [_data(chunk) for chunk in [c async for c in response] if chunk.content]
    if speech.CUMULATIVE_STREAMS:
        return _decoded(max(datas, key=len))
    return b"".join(_decoded(data) for data in datas)


def _requests(case: str, server: Any) -> int:
    if case == "gemini":
        return len(server.requests_for(GEMINI_GENERATE)) + len(
            server.requests_for(GEMINI_STREAM_GENERATE)
        )
    return len(server.requests_to(PROVIDER_PATHS[case]))


def provider_attributes(case: str, server: Any, stream: bool) -> dict[str, Any]:
    audio_bytes = speech.WAV_HEADER + len(DASHSCOPE_PCM)
    expected: dict[str, Any] = {
        "gen_ai.operation.name": "text_to_speech",
        "gen_ai.provider.name": "gcp.gemini" if case == "gemini" else "dashscope",
        "gen_ai.request.model": speech.MODELS[case],
        "gen_ai.request.stream": stream,
        "gen_ai.output.type": "speech",
        "otelscope.speech.voice": speech.VOICES[case],
        "otelscope.speech.text.characters": len(TEXT),
        "otelscope.speech.audio.bytes": audio_bytes,
        **endpoint(server),
    }
    if case in speech.DURATION_KNOWN:
        expected["otelscope.speech.audio.duration"] = 0.25
    if case in REPORTS_USAGE:
        expected["gen_ai.usage.input_tokens"] = PROVIDER_USAGE.input_tokens
        expected["gen_ai.usage.output_tokens"] = PROVIDER_USAGE.output_tokens
    if ATTEMPTS[case] is not None:
        expected["otelscope.request.attempts"] = ATTEMPTS[case]
    return expected


@needs_tts
@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_tts_call_is_one_client_span_with_its_sizes_usage_and_endpoint(
    traced: Traced, provider: tuple[str, Any], stream: bool
) -> None:
    case, server = provider
    server.script(_turn(case))
    model = speech.provider_tts_model(case, server, stream)

    audio = run(provider_audio(model, TEXT))

    # The caller's audio, unchanged: the provider's PCM (in a WAV on 2.x).
    assert audio[speech.WAV_HEADER :] == (GEMINI_PCM if case == "gemini" else DASHSCOPE_PCM)
    assert len(audio) == speech.WAV_HEADER + len(DASHSCOPE_PCM)
    assert _requests(case, server) == 1
    [span] = traced.spans()
    assert (span.name, span.kind) == (f"text_to_speech {speech.MODELS[case]}", SpanKind.CLIENT)
    assert span.parent is None
    assert span.status.status_code == StatusCode.UNSET
    assert attributes_without_ttfc(span, stream) == provider_attributes(case, server, stream)
    metrics = traced.metrics()
    [duration] = metrics[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == {
        "gen_ai.operation.name": "text_to_speech",
        "gen_ai.provider.name": "gcp.gemini" if case == "gemini" else "dashscope",
        "gen_ai.request.model": speech.MODELS[case],
        **endpoint(server),
    }
    usage = {
        dict(p.attributes)["gen_ai.token.type"]: p.sum
        for p in metrics.get(conv.METRIC_TOKEN_USAGE, [])
    }
    assert usage == ({"input": 11, "output": 7} if case in REPORTS_USAGE else {})


@needs_tts
@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_tts_call_the_provider_refuses_is_marked_and_raises_unchanged(
    traced: Traced, provider: tuple[str, Any], stream: bool
) -> None:
    case, server = provider
    server.script(Turn(error=HttpError(400, REFUSAL)))
    model = speech.provider_tts_model(case, server, stream)
    error_type, status = ERRORS[case]

    if case == "qwen" and not speech.QWEN_REFUSAL_RAISES:
        # 1.x's class returns no audio for a refusal: the span says it failed.
        assert run(provider_audio(model, TEXT)) == b""
        error_type = "400"
    else:
        with pytest.raises(Exception) as raised:
            run(provider_audio(model, TEXT))
        error = raised.value
        assert (
            f"{type(error).__module__}.{type(error).__qualname__}".removeprefix("builtins.")
            == error_type
        )
        if case != "qwen_realtime":  # AgentScope's own message: no audio came
            assert REFUSAL in str(error)

    assert _requests(case, server) == 1
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.ERROR
    expected = {
        key: value
        for key, value in provider_attributes(case, server, stream).items()
        if not key.startswith(("otelscope.speech.audio", "gen_ai.usage"))
    }
    expected["error.type"] = error_type
    if status is not None:
        expected["http.response.status_code"] = status
    assert dict(span.attributes) == expected
    assert [event.name for event in span.events] == ([] if error_type == "400" else ["exception"])
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes)["error.type"] == error_type


@needs_tts
def test_a_provider_tts_call_is_the_one_child_of_the_current_span(
    traced: Traced, provider: tuple[str, Any]
) -> None:
    """Connecting and closing a realtime model make no span: the tree is the
    application's span and the call's, with nothing else under it."""
    case, server = provider
    server.script(_turn(case))
    model = speech.provider_tts_model(case, server, stream=True)
    tracer = traced.provider.get_tracer("app")

    async def inside() -> bytes:
        with tracer.start_as_current_span("app"):
            return await provider_audio(model, TEXT)

    run(inside())
    spans = traced.spans()
    tree = sorted(
        (span.name, None if span.parent is None else span.parent.span_id) for span in spans
    )
    app = next(span for span in spans if span.name == "app")
    assert tree == sorted(
        [("app", None), (f"text_to_speech {speech.MODELS[case]}", app.context.span_id)]
    )
