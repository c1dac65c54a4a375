"""What an OpenAI-compatible endpoint served, read in the ``openai`` SDK.

Every AgentScope class built on this SDK goes through here: on 1.x
``OpenAIChatModel`` (and so ``TrinityChatModel``), ``OpenAIResponseModel``
and ``OpenAITextEmbedding``; on 2.x also ``DashScopeChatModel`` (DashScope's
compatible mode), ``DeepSeekChatModel``, ``MoonshotChatModel``,
``VolcengineChatModel`` and ``OpenAIEmbeddingModel``. Five endpoints are
read: chat completions, the Responses API, embeddings and, for the speech
classes (``OpenAITTSModel``, 2.x ``OpenAIASRModel``), speech and
transcriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.patching import Patches
from otelscope.core.served import ServedResult
from otelscope.core.values import integer, text
from otelscope.provider_sdks import request_attributes as attrs
from otelscope.provider_sdks.stainless import Endpoint
from otelscope.provider_sdks.stainless import install as install_stainless

# The conventions' names for OpenAI's finish reasons; others are kept as sent.
_FINISH_REASONS = {
    "stop": conv.FINISH_STOP,
    "length": conv.FINISH_LENGTH,
    "content_filter": conv.FINISH_CONTENT_FILTER,
    "tool_calls": conv.FINISH_TOOL_CALL,
    "function_call": conv.FINISH_TOOL_CALL,
}


def install(patches: Patches) -> None:
    from openai import _base_client

    install_stainless(_base_client, endpoint_for, patches)


def endpoint_for(path: str) -> Endpoint | None:
    if path.endswith("/chat/completions"):
        return _CHAT
    if path.endswith("/responses"):
        return _RESPONSES
    if path.endswith("/embeddings"):
        return _EMBEDDINGS
    if path.endswith("/audio/speech"):
        return _SPEECH
    if path.endswith("/audio/transcriptions"):
        return _TRANSCRIPTIONS
    return None


# -- chat completions -------------------------------------------------------------


def chat_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    found = attrs.sampling(
        body,
        max_tokens=body.get("max_completion_tokens", body.get("max_tokens")),
        stop=body.get("stop"),
    )
    choices = integer(body.get("n"))
    if choices is not None and choices != 1:
        found[conv.REQUEST_CHOICE_COUNT] = choices
    output_type = attrs.output_type(_format_type(body.get("response_format")))
    if output_type is not None:
        found[conv.OUTPUT_TYPE] = output_type
    return found


def chat_response(completion: Any) -> ServedResult:
    choices = sorted(getattr(completion, "choices", None) or (), key=_index)
    reasons = [text(getattr(choice, "finish_reason", None)) for choice in choices]
    return ServedResult(
        response_id=text(getattr(completion, "id", None)),
        response_model=text(getattr(completion, "model", None)),
        finish_reasons=finish_reasons(reasons),
        **chat_usage(getattr(completion, "usage", None)),
    )


class ChatChunks:
    """A streamed completion: the id and model of its chunks, each choice's
    finish reason, and the usage of the chunk that carries it (the last one,
    when the request asked for it)."""

    __slots__ = ("_id", "_model", "_reasons", "_usage")

    def __init__(self) -> None:
        self._id: str | None = None
        self._model: str | None = None
        self._reasons: dict[int, str | None] = {}
        self._usage: Any = None

    def chunk(self, chunk: Any) -> None:
        self._id = self._id or text(getattr(chunk, "id", None))
        self._model = text(getattr(chunk, "model", None)) or self._model
        for choice in getattr(chunk, "choices", None) or ():
            reason = text(getattr(choice, "finish_reason", None))
            if reason is not None or _index(choice) not in self._reasons:
                self._reasons[_index(choice)] = reason
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self._usage = usage

    def result(self) -> ServedResult:
        reasons = [self._reasons[index] for index in sorted(self._reasons)]
        return ServedResult(
            response_id=self._id,
            response_model=self._model,
            finish_reasons=finish_reasons(reasons),
            **chat_usage(self._usage),
        )


def chat_usage(usage: Any) -> dict[str, int | None]:
    prompt = getattr(usage, "prompt_tokens_details", None)
    completion = getattr(usage, "completion_tokens_details", None)
    return {
        "input_tokens": integer(getattr(usage, "prompt_tokens", None)),
        "output_tokens": integer(getattr(usage, "completion_tokens", None)),
        "cache_read_input_tokens": integer(getattr(prompt, "cached_tokens", None)),
        "cache_creation_input_tokens": integer(getattr(prompt, "cache_write_tokens", None)),
        "reasoning_output_tokens": integer(getattr(completion, "reasoning_tokens", None)),
    }


def finish_reasons(reasons: list[str | None]) -> tuple[str, ...] | None:
    """The reasons in the conventions' values; None until every choice has one."""
    if not reasons or any(reason is None for reason in reasons):
        return None
    return tuple(_FINISH_REASONS.get(reason, reason) for reason in reasons if reason)


def _index(choice: Any) -> int:
    return integer(getattr(choice, "index", None)) or 0


def _format_type(response_format: Any) -> str | None:
    return text(response_format.get("type")) if isinstance(response_format, Mapping) else None


# -- the Responses API ------------------------------------------------------------


def responses_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    found = attrs.sampling(body, max_tokens=body.get("max_output_tokens"))
    text_options = body.get("text")
    output_format = text_options.get("format") if isinstance(text_options, Mapping) else None
    output_type = attrs.output_type(_format_type(output_format))
    if output_type is not None:
        found[conv.OUTPUT_TYPE] = output_type
    return found


def responses_response(response: Any) -> ServedResult:
    usage = getattr(response, "usage", None)
    input_details = getattr(usage, "input_tokens_details", None)
    output_details = getattr(usage, "output_tokens_details", None)
    return ServedResult(
        response_id=text(getattr(response, "id", None)),
        response_model=text(getattr(response, "model", None)),
        finish_reasons=_responses_finish(response),
        input_tokens=integer(getattr(usage, "input_tokens", None)),
        output_tokens=integer(getattr(usage, "output_tokens", None)),
        cache_read_input_tokens=integer(getattr(input_details, "cached_tokens", None)),
        cache_creation_input_tokens=integer(getattr(input_details, "cache_write_tokens", None)),
        reasoning_output_tokens=integer(getattr(output_details, "reasoning_tokens", None)),
    )


# Why an incomplete response stopped, in the conventions' values.
_INCOMPLETE_REASONS = {
    "max_output_tokens": conv.FINISH_LENGTH,
    "content_filter": conv.FINISH_CONTENT_FILTER,
}


def _responses_finish(response: Any) -> tuple[str, ...] | None:
    """The Responses API has one output and a status, not finish reasons:
    a completed response that calls a function stopped for a tool call."""
    status = text(getattr(response, "status", None))
    if status == "completed":
        calls = any(
            getattr(item, "type", None) == "function_call"
            for item in getattr(response, "output", None) or ()
        )
        return (conv.FINISH_TOOL_CALL if calls else conv.FINISH_STOP,)
    if status == "incomplete":
        reason = text(getattr(getattr(response, "incomplete_details", None), "reason", None))
        return (_INCOMPLETE_REASONS.get(reason, reason),) if reason else None
    if status == "failed":
        return (conv.FINISH_ERROR,)
    return None


class ResponsesEvents:
    """A streamed response: its lifecycle events carry the whole response so
    far (``response.created`` ... ``response.completed``); the last wins."""

    __slots__ = ("_response",)

    def __init__(self) -> None:
        self._response: Any = None

    def chunk(self, event: Any) -> None:
        response = getattr(event, "response", None)
        if response is not None:
            self._response = response

    def result(self) -> ServedResult:
        if self._response is None:
            return ServedResult()
        return responses_response(self._response)


# -- embeddings -------------------------------------------------------------------


def embeddings_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    return attrs.embedding(body.get("model"), body.get("dimensions"), body.get("encoding_format"))


def embeddings_response(response: Any) -> ServedResult:
    usage = getattr(response, "usage", None)
    return ServedResult(
        response_model=text(getattr(response, "model", None)),
        input_tokens=integer(getattr(usage, "prompt_tokens", None)),
    )


class _NoChunks:
    """Embeddings are never streamed."""

    def chunk(self, chunk: Any) -> None:
        return None

    def result(self) -> ServedResult:
        return ServedResult()


# -- speech (text-to-speech, transcriptions) ---------------------------------------


def speech_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """A speech or transcription request: the model asked for (the rest of
    the body is the voice, the format, or content)."""
    model = text(body.get("model"))
    return {} if model is None else {conv.REQUEST_MODEL: model}


def speech_response(response: Any) -> ServedResult:
    """Synthesized audio carries no usage; a transcription (JSON) reports
    its tokens when the model is billed by them."""
    usage = getattr(response, "usage", None)
    if getattr(usage, "type", None) != "tokens":
        return ServedResult()
    return ServedResult(
        input_tokens=integer(getattr(usage, "input_tokens", None)),
        output_tokens=integer(getattr(usage, "output_tokens", None)),
    )


_CHAT = Endpoint(chat_request, chat_response, ChatChunks)
_RESPONSES = Endpoint(responses_request, responses_response, ResponsesEvents)
_EMBEDDINGS = Endpoint(embeddings_request, embeddings_response, _NoChunks)
_SPEECH = Endpoint(speech_request, speech_response, _NoChunks)
_TRANSCRIPTIONS = Endpoint(speech_request, speech_response, _NoChunks)
