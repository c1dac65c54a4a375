"""What an Ollama server served, read in the ``ollama`` SDK: AgentScope's
``OllamaChatModel`` on both lines, 1.x ``OllamaTextEmbedding`` and 2.x
``OllamaEmbeddingModel``, all built on ``ollama.AsyncClient``.

Every call of that client goes through ``AsyncClient._request`` once, with
the request body as ``json``: it reads the request, then the response, or
the HTTP status of the ``ResponseError`` it raises. The client does not
retry, so a call is one HTTP request; a streamed call sends it when its
first chunk is asked for, and its chunks are read as they pass. Two
endpoints are read: ``/api/chat`` and ``/api/embed``.

Ollama reports no response id and no cached or reasoning token counts.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, NamedTuple

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, safely
from otelscope.core.patching import Patches
from otelscope.core.served import Served, ServedResult, current
from otelscope.core.values import integer, text
from otelscope.provider_sdks import request_attributes as attrs
from otelscope.provider_sdks.passing import ChunkReader, port_of

# The conventions' names for Ollama's ``done_reason``; others are kept as sent.
_FINISH_REASONS = {"stop": conv.FINISH_STOP, "length": conv.FINISH_LENGTH}


class Endpoint(NamedTuple):
    """How to read one endpoint's request body, response and stream."""

    request: Callable[[Mapping[str, Any]], dict[str, AttributeValue]]
    response: Callable[[Any], ServedResult]
    # None for an endpoint that never streams.
    stream: Callable[[], ChunkReader] | None


class _Call(NamedTuple):
    endpoint: Endpoint
    address: str | None
    port: int | None


def install(patches: Patches) -> None:
    import ollama

    patches.wrap(ollama.AsyncClient, "_request", _observing)


def endpoint_for(path: str) -> Endpoint | None:
    if path.endswith("/api/chat"):
        return _CHAT
    if path.endswith("/api/embed"):
        return _EMBED
    return None


def _observing(original: Callable[..., Any]) -> Callable[..., Any]:
    async def _request(self: Any, cls: Any, *args: Any, **kwargs: Any) -> Any:
        served = current()
        call = None if served is None else _prepare(served, self, args, kwargs)
        if served is None or call is None:
            return await original(self, cls, *args, **kwargs)
        try:
            response = await original(self, cls, *args, **kwargs)
        except BaseException as error:
            safely("reading an Ollama error", _note_status, served, error)
            raise
        try:
            return _observe(served, call, response)
        except Exception:
            report_internal_error("reading an Ollama response")
            return response

    return _request


def _prepare(
    served: Served, client: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> _Call | None:
    """The endpoint called (``_request(cls, method, path, json=...)``), its
    request read; an unstreamed call's one HTTP request counted."""
    try:
        path = args[1] if len(args) > 1 else kwargs.get("url")
        endpoint = endpoint_for(str(path or ""))
        if endpoint is None:
            return None
        body = kwargs.get("json")
        served.requested(endpoint.request(body if isinstance(body, Mapping) else {}))
        call = _Call(endpoint, *_host_and_port(client))
        if kwargs.get("stream") is not True:
            served.attempt(call.address, call.port)
        return call
    except Exception:
        report_internal_error("reading an Ollama request")
        return None


def _host_and_port(client: Any) -> tuple[str | None, int | None]:
    # The httpx client's base URL, from the ``host`` the Ollama client was
    # given; httpx leaves a scheme's default port out of it.
    url = client._client.base_url
    return str(url.host) or None, port_of(str(url.scheme), url.port)


def _note_status(served: Served, error: BaseException) -> None:
    # ``ResponseError`` carries -1 when the error came inside a stream's body.
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        served.failed_with_status(status)


def _observe(served: Served, call: _Call, response: Any) -> Any:
    if call.endpoint.stream is None or not inspect.isasyncgen(response):
        served.responded(call.endpoint.response(response))
        return response
    reader = call.endpoint.stream()
    served.streaming(reader)
    return _read_while_passing(response, served, call, reader)


async def _read_while_passing(
    source: AsyncIterator[Any], served: Served, call: _Call, reader: ChunkReader
) -> AsyncIterator[Any]:
    # The SDK's stream sends its request when its first chunk is asked for.
    safely("counting an Ollama request", served.attempt, call.address, call.port)
    try:
        async for chunk in source:
            safely("reading a streamed Ollama chunk", reader.chunk, chunk)
            yield chunk
    except Exception as error:
        safely("reading an Ollama error", _note_status, served, error)
        raise


# -- chat ---------------------------------------------------------------------------


def chat_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """Ollama takes its sampling parameters in ``options``, and the most
    tokens to generate as ``num_predict`` (negative: no limit)."""
    options = body.get("options")
    options = options if isinstance(options, Mapping) else {}
    limit = integer(options.get("num_predict"))
    found = attrs.sampling(
        {**options, "model": body.get("model")},
        max_tokens=limit if limit is not None and limit > 0 else None,
        stop=options.get("stop"),
    )
    output_type = attrs.output_type(_format_name(body.get("format")))
    if output_type is not None:
        found[conv.OUTPUT_TYPE] = output_type
    return found


def _format_name(output_format: Any) -> str | None:
    """``format`` is ``"json"`` or a JSON schema."""
    if isinstance(output_format, Mapping):
        return "json_schema"
    return text(output_format)


def chat_response(response: Any) -> ServedResult:
    message = getattr(response, "message", None)
    return ServedResult(
        response_model=text(getattr(response, "model", None)),
        finish_reasons=_finish(getattr(response, "done_reason", None), _calls_tools(message)),
        input_tokens=integer(getattr(response, "prompt_eval_count", None)),
        output_tokens=integer(getattr(response, "eval_count", None)),
    )


def _calls_tools(message: Any) -> bool:
    return bool(getattr(message, "tool_calls", None))


def _finish(done_reason: Any, called_tools: bool) -> tuple[str, ...] | None:
    """Ollama says ``stop`` when the model calls tools; a call cut short
    stays ``length``."""
    reason = text(done_reason)
    if called_tools and reason in (None, "stop"):
        return (conv.FINISH_TOOL_CALL,)
    return None if reason is None else (_FINISH_REASONS.get(reason, reason),)


class ChatChunks:
    """A streamed chat: partial messages (tool calls come in one of them),
    then a last chunk with ``done`` set that carries the reason and counts."""

    __slots__ = ("_called_tools", "_last", "_model")

    def __init__(self) -> None:
        self._model: str | None = None
        self._called_tools = False
        self._last: Any = None

    def chunk(self, chunk: Any) -> None:
        self._model = text(getattr(chunk, "model", None)) or self._model
        self._called_tools = self._called_tools or _calls_tools(getattr(chunk, "message", None))
        if getattr(chunk, "done", False) is True:
            self._last = chunk

    def result(self) -> ServedResult:
        last = self._last
        reason = getattr(last, "done_reason", None)
        return ServedResult(
            response_model=self._model,
            finish_reasons=None if last is None else _finish(reason, self._called_tools),
            input_tokens=integer(getattr(last, "prompt_eval_count", None)),
            output_tokens=integer(getattr(last, "eval_count", None)),
        )


# -- embeddings ---------------------------------------------------------------------


def embed_request(body: Mapping[str, Any]) -> dict[str, AttributeValue]:
    return attrs.embedding(body.get("model"), body.get("dimensions"))


def embed_response(response: Any) -> ServedResult:
    return ServedResult(
        response_model=text(getattr(response, "model", None)),
        input_tokens=integer(getattr(response, "prompt_eval_count", None)),
    )


_CHAT = Endpoint(chat_request, chat_response, ChatChunks)
_EMBED = Endpoint(embed_request, embed_response, None)
