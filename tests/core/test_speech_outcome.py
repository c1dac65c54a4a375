"""How a speech call ends when its provider refused an attempt: AgentScope
1.x's DashScope TTS returns no audio instead of raising, so a refusal with
nothing produced ends the span failed; a refusal that a retry made good
leaves its status behind on the SDK's record, and the call still succeeded."""

from __future__ import annotations

from opentelemetry.trace import StatusCode

from otelscope.core import conventions as conv
from otelscope.core.speech import AudioSize, SpeechRequest, SpeechResult, start_speech
from tests.core.test_invocations import World

REQUEST = SpeechRequest(conv.OP_TEXT_TO_SPEECH, "dashscope", "qwen-tts", stream=False)


def _refused_once(world: World, result: SpeechResult) -> None:
    operation = start_speech(world.telemetry, REQUEST)
    served = operation.served_record()
    served.attempt("127.0.0.1", 8080)
    served.failed_with_status(503)
    served.attempt("127.0.0.1", 8080)
    operation.finish(result)


def test_a_refusal_with_nothing_produced_fails_the_call() -> None:
    world = World()

    _refused_once(world, SpeechResult())

    span = world.finished()["text_to_speech qwen-tts"]
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "the provider answered with HTTP status 503"
    assert span.attributes["error.type"] == "503"
    assert span.attributes["http.response.status_code"] == 503


def test_a_refusal_a_retry_made_good_is_a_success() -> None:
    world = World()

    _refused_once(world, SpeechResult(audio=AudioSize(4000, 0.25)))

    span = world.finished()["text_to_speech qwen-tts"]
    assert span.status.status_code == StatusCode.UNSET
    assert "error.type" not in span.attributes
    assert "http.response.status_code" not in span.attributes
    assert span.attributes["otelscope.speech.audio.bytes"] == 4000
    assert span.attributes["otelscope.request.attempts"] == 2
