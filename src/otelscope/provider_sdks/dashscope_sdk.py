"""What DashScope's native API served, read in the ``dashscope`` SDK: 1.x
``DashScopeChatModel`` (text and multimodal generation), 1.x
``DashScopeTextEmbedding`` and 2.x ``DashScopeEmbeddingModel`` (text
embedding). 2.x ``DashScopeChatModel`` calls the OpenAI-compatible mode
through the ``openai`` SDK (``openai_sdk``).

Every HTTP call of the SDK goes through ``HttpRequest``:

- ``_handle_aio_request`` (async) or ``_handle_request`` (sync) runs once
  per call: a generator that sends the request when first asked, then
  yields the response, or one response per event of a stream. It reads
  the request (``HttpRequest.data``) and each response as it passes. The
  SDK raises nothing for an HTTP error: it yields a response holding the
  status, which AgentScope turns into a ``RuntimeError``, so the status
  is read here.
- ``send_with_retry_async`` / ``_send_with_retry`` send the request, and
  once more if a pooled connection turned out dropped: each send is an
  attempt.

The native API reports no model name, so none is recorded. Three
endpoints are read, by the URL's path.

The speech classes on a websocket (the CosyVoice ``SpeechSynthesizer`` and
``QwenTtsRealtime``, 1.x and 2.x) report their endpoint: each connection the
SDK opens during the traced call is an attempt to its URL, and a call that
sends on a connection opened before it (a realtime model's, opened by
``connect()``) reports that connection's URL.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, report_problem, safely
from otelscope.core.patching import Patches
from otelscope.core.served import Served, ServedResult, current
from otelscope.core.values import field, integer, text
from otelscope.provider_sdks import request_attributes as attrs
from otelscope.provider_sdks.passing import port_of

_OK = 200

# The conventions' names for DashScope's finish reasons; others are kept as
# sent. "null" (a string) is what a stream's events say until the last.
_FINISH_REASONS = {
    "stop": conv.FINISH_STOP,
    "length": conv.FINISH_LENGTH,
    "tool_calls": conv.FINISH_TOOL_CALL,
}
_NOT_FINISHED = "null"


class Responses(Protocol):
    """Reads the responses of one request as they pass."""

    def response(self, response: Any) -> None: ...

    def result(self) -> ServedResult: ...


class Endpoint(NamedTuple):
    """How to read one endpoint's request parameters and responses."""

    request: Callable[[Any, Mapping[str, Any]], dict[str, AttributeValue]]
    responses: Callable[[], Responses]


class _Request(NamedTuple):
    """One SDK call being read: where its attempts go and what reads it."""

    served: Served
    address: str | None
    port: int | None
    responses: Responses


# The call whose generator is running: its sends are counted as its
# attempts. A stream's generator runs where it is read, after the traced
# model call has returned (``current()`` is None there), so the call is set
# around each step of the generator instead.
_sending: ContextVar[_Request | None] = ContextVar("otelscope_dashscope_sending", default=None)


def install(patches: Patches) -> None:
    from dashscope.api_entities import http_request

    request_class = http_request.HttpRequest
    # The wrappers stand in for generators: an SDK whose methods are shaped
    # otherwise is left alone rather than broken.
    if not (
        inspect.isasyncgenfunction(request_class._handle_aio_request)
        and inspect.isgeneratorfunction(request_class._handle_request)
    ):
        report_problem("dashscope's HttpRequest has changed shape; its calls are not read")
        return
    patches.wrap(request_class, "_handle_aio_request", _observing(_passing_async))
    patches.wrap(request_class, "_handle_request", _observing(_passing))
    patches.wrap(http_request, "send_with_retry_async", _counting)
    patches.wrap(http_request, "_send_with_retry", _counting)
    _install_websockets(patches)


def endpoint_for(path: str) -> Endpoint | None:
    if path.endswith(("/text-generation/generation", "/multimodal-generation/generation")):
        return _GENERATION
    if path.endswith("/text-embedding/text-embedding"):
        return _TEXT_EMBEDDING
    if path.endswith("/multimodal-embedding/multimodal-embedding"):
        return _MULTIMODAL_EMBEDDING
    return None


# -- the hooks ----------------------------------------------------------------------


def _observing(
    passing: Callable[[Any, _Request], Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A wrapper of one of the generator methods. It is no generator itself:
    it must find the traced call when the SDK creates the generator, which
    is inside the call even for a stream read later."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def handle(self: Any, *args: Any, **kwargs: Any) -> Any:
            served = current()
            request = None if served is None else _prepare(served, self)
            if request is None:
                return original(self, *args, **kwargs)
            return passing(original(self, *args, **kwargs), request)

        return handle

    return wrap


def _prepare(served: Served, http_request: Any) -> _Request | None:
    try:
        url = urlsplit(str(getattr(http_request, "url", "")))
        endpoint = endpoint_for(url.path)
        if endpoint is None:
            return None
        data = getattr(http_request, "data", None)
        parameters = getattr(data, "parameters", None)
        parameters = parameters if isinstance(parameters, Mapping) else {}
        served.requested(endpoint.request(getattr(data, "model", None), parameters))
        port = port_of(url.scheme, url.port)
        request = _Request(served, url.hostname or None, port, endpoint.responses())
        # Streamed or not, what was served is read from the responses that
        # pass; the last request of the call wins (AgentScope's retries).
        served.streaming(request.responses)
        return request
    except Exception:
        report_internal_error("reading a DashScope request")
        return None


async def _passing_async(
    source: AsyncGenerator[Any, None], request: _Request
) -> AsyncIterator[Any]:
    while True:
        token = _sending.set(request)
        try:
            response = await source.__anext__()
        except StopAsyncIteration:
            return
        finally:
            _sending.reset(token)
        safely("reading a DashScope response", _read, request, response)
        yield response


def _passing(source: Iterator[Any], request: _Request) -> Iterator[Any]:
    while True:
        token = _sending.set(request)
        try:
            response = next(source)
        except StopIteration:
            return
        finally:
            _sending.reset(token)
        safely("reading a DashScope response", _read, request, response)
        yield response


def _read(request: _Request, response: Any) -> None:
    status = integer(field(response, "status_code"))
    if status is not None and status != _OK:
        request.served.failed_with_status(status)
    else:
        request.responses.response(response)


def _counting(original: Callable[..., Any]) -> Callable[..., Any]:
    """``send_with_retry*(send)`` calls ``send`` once per attempt; the send
    it gets notes each attempt, then returns what ``send`` returns."""

    def send_with_retry(send: Callable[[], Any], *args: Any, **kwargs: Any) -> Any:
        request = _sending.get()
        if request is None:
            return original(send, *args, **kwargs)
        return original(_counted(send, request), *args, **kwargs)

    return send_with_retry


def _counted(send: Callable[[], Any], request: _Request) -> Callable[[], Any]:
    def send_once() -> Any:
        safely("counting a DashScope request", _note_attempt, request)
        return send()

    return send_once


def _note_attempt(request: _Request) -> None:
    request.served.attempt(request.address, request.port)


# -- websockets ---------------------------------------------------------------------

# The websocket clients' methods: those that open a connection, and those
# that send on one.
_SYNTHESIZER_CONNECTS = ("_SpeechSynthesizer__connect",)
_SYNTHESIZER_SENDS = ("call", "streaming_call", "streaming_complete")
_REALTIME_CONNECTS = ("connect",)
_REALTIME_SENDS = ("append_text", "commit", "finish")


def _install_websockets(patches: Patches) -> None:
    try:
        from dashscope.audio.qwen_tts_realtime import qwen_tts_realtime
        from dashscope.audio.tts_v2 import speech_synthesizer
    except ImportError:
        return
    for cls, connects, sends in (
        (speech_synthesizer.SpeechSynthesizer, _SYNTHESIZER_CONNECTS, _SYNTHESIZER_SENDS),
        (qwen_tts_realtime.QwenTtsRealtime, _REALTIME_CONNECTS, _REALTIME_SENDS),
    ):
        names = (*connects, *sends)
        if not all(callable(getattr(cls, name, None)) for name in names):
            report_problem(f"dashscope's {cls.__name__} has changed shape; its URL is not read")
            continue
        for name in connects:
            patches.wrap(cls, name, _on_websocket(connecting=True))
        for name in sends:
            patches.wrap(cls, name, _on_websocket(connecting=False))


def _on_websocket(connecting: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            served = current()
            if served is not None:
                safely("reading a DashScope websocket's URL", _note_url, served, self, connecting)
            return original(self, *args, **kwargs)

        return method

    return wrap


def _note_url(served: Served, client: Any, connecting: bool) -> None:
    url = urlsplit(str(getattr(client, "url", "")))
    if not url.hostname:
        return
    address, port = url.hostname, port_of(url.scheme, url.port)
    if connecting:
        served.attempt(address, port)
    elif served.address is None:
        served.address, served.port = address, port


# -- generation ---------------------------------------------------------------------


def generation_request(model: Any, parameters: Mapping[str, Any]) -> dict[str, AttributeValue]:
    found = attrs.sampling(
        {**parameters, "model": model},
        max_tokens=parameters.get("max_tokens"),
        stop=parameters.get("stop"),
    )
    choices = integer(parameters.get("n"))
    if choices is not None and choices != 1:
        found[conv.REQUEST_CHOICE_COUNT] = choices
    response_format = parameters.get("response_format")
    output_type = attrs.output_type(text(field(response_format, "type")))
    if output_type is not None:
        found[conv.OUTPUT_TYPE] = output_type
    return found


class GenerationResponses:
    """A generation's response, or the events of its stream: each carries
    the request id and the usage so far; a choice's finish reason is
    ``"null"`` until the event that ends it."""

    __slots__ = ("_id", "_reasons", "_usage")

    def __init__(self) -> None:
        self._id: str | None = None
        self._reasons: dict[int, str | None] = {}
        self._usage: Any = None

    def response(self, response: Any) -> None:
        self._id = self._id or text(field(response, "request_id"))
        for index, reason in _choice_reasons(field(response, "output")):
            if reason is not None or index not in self._reasons:
                self._reasons[index] = reason
        usage = field(response, "usage")
        if usage:
            self._usage = usage

    def result(self) -> ServedResult:
        reasons = [self._reasons[index] for index in sorted(self._reasons)]
        return ServedResult(
            response_id=self._id,
            # The native API names no model: AgentScope's value, if any, stays.
            response_model=None,
            finish_reasons=_finish_reasons(reasons),
            **_usage_of(self._usage),
        )


def _finish_reasons(reasons: list[str | None]) -> tuple[str, ...] | None:
    """The reasons in the conventions' values; None until every choice has one."""
    if not reasons or any(reason is None for reason in reasons):
        return None
    return tuple(_FINISH_REASONS.get(reason, reason) for reason in reasons if reason)


def _choice_reasons(output: Any) -> Iterator[tuple[int, str | None]]:
    """(index, finish reason or None) of each choice; an output in the
    ``text`` result format is one choice."""
    choices = field(output, "choices")
    if not isinstance(choices, list):
        if output is not None and field(output, "finish_reason") is not None:
            yield 0, _reason(field(output, "finish_reason"))
        return
    for position, choice in enumerate(choices):
        index = integer(field(choice, "index"))
        yield (position if index is None else index), _reason(field(choice, "finish_reason"))


def _reason(value: Any) -> str | None:
    reason = text(value)
    return None if reason == _NOT_FINISHED else reason


def _usage_of(usage: Any) -> dict[str, int | None]:
    """Cached tokens are a part of ``input_tokens``, reasoning tokens of
    ``output_tokens``, as the conventions count them."""
    return {
        "input_tokens": integer(field(usage, "input_tokens")),
        "output_tokens": integer(field(usage, "output_tokens")),
        "cache_read_input_tokens": integer(
            field(field(usage, "prompt_tokens_details"), "cached_tokens")
        ),
        "reasoning_output_tokens": integer(
            field(field(usage, "output_tokens_details"), "reasoning_tokens")
        ),
    }


# -- embeddings ---------------------------------------------------------------------


def embedding_request(model: Any, parameters: Mapping[str, Any]) -> dict[str, AttributeValue]:
    return attrs.embedding(model, parameters.get("dimension"))


class EmbeddingResponses:
    """A text embedding's response: its usage counts only input tokens, as
    ``total_tokens``."""

    __slots__ = ("_response",)

    def __init__(self) -> None:
        self._response: Any = None

    def response(self, response: Any) -> None:
        self._response = response

    def result(self) -> ServedResult:
        usage = field(self._response, "usage")
        return ServedResult(
            response_id=text(field(self._response, "request_id")),
            input_tokens=integer(field(usage, "total_tokens")),
        )


class MultimodalEmbeddingResponses(EmbeddingResponses):
    """A multimodal embedding's response: its usage counts text and image
    tokens apart; the input is both."""

    __slots__ = ()

    def result(self) -> ServedResult:
        usage = field(self._response, "usage")
        counts = [integer(field(usage, key)) for key in ("input_tokens", "image_tokens")]
        known = [count for count in counts if count is not None]
        return ServedResult(
            response_id=text(field(self._response, "request_id")),
            input_tokens=sum(known) if known else None,
        )


_GENERATION = Endpoint(generation_request, GenerationResponses)
_TEXT_EMBEDDING = Endpoint(embedding_request, EmbeddingResponses)
_MULTIMODAL_EMBEDDING = Endpoint(embedding_request, MultimodalEmbeddingResponses)
