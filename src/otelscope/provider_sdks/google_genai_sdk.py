"""What Gemini served, read in the ``google-genai`` SDK: ``GeminiChatModel``
on both lines, 1.x ``GeminiTextEmbedding`` and 2.x ``GeminiEmbeddingModel``.

Every request of google-genai's API client goes through two methods of
``BaseApiClient``, each in a sync and an async version:

- ``_request`` / ``_async_request`` run once per SDK call, the SDK's retries
  inside: they get the request as it will be sent (its URL, which names the
  model and the endpoint, and its JSON body) and return the raw response, or
  raise the HTTP error as an ``APIError`` carrying the status.
- ``_request_once`` / ``_async_request_once`` run once per HTTP attempt:
  they count it and read the host and port of its URL.

The response is read as the provider sent it, in its JSON form: the SDK's
typed responses are built above the API client, by one method per endpoint
and per sync or async flavour. A streamed response's chunks are read as the
SDK parses them; a whole body is parsed once more here.

Both report to the traced model call that is running
(``otelscope.core.served``) and do nothing outside one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, safely
from otelscope.core.patching import Patches
from otelscope.core.served import Served, ServedResult, current
from otelscope.core.values import integer, text
from otelscope.provider_sdks import request_attributes as attrs
from otelscope.provider_sdks.passing import (
    ChunkReader,
    port_of,
    read_while_passing,
    read_while_passing_sync,
)

# The conventions' names for Gemini's finish reasons; others are kept as sent.
_FINISH_REASONS = {
    "STOP": conv.FINISH_STOP,
    "MAX_TOKENS": conv.FINISH_LENGTH,
    "SAFETY": conv.FINISH_CONTENT_FILTER,
    "RECITATION": conv.FINISH_CONTENT_FILTER,
    "BLOCKLIST": conv.FINISH_CONTENT_FILTER,
    "PROHIBITED_CONTENT": conv.FINISH_CONTENT_FILTER,
    "SPII": conv.FINISH_CONTENT_FILTER,
    "IMAGE_SAFETY": conv.FINISH_CONTENT_FILTER,
    "IMAGE_PROHIBITED_CONTENT": conv.FINISH_CONTENT_FILTER,
    "IMAGE_RECITATION": conv.FINISH_CONTENT_FILTER,
    "MALFORMED_FUNCTION_CALL": conv.FINISH_ERROR,
}

# Gemini's names (in ``generationConfig``) for the parameters that
# ``request_attributes.sampling`` reads under the most common names.
_SAMPLING_NAMES = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "seed": "seed",
    "frequency_penalty": "frequencyPenalty",
    "presence_penalty": "presencePenalty",
}

# `gen_ai.output.type` of the response MIME types that name one.
_OUTPUT_TYPES = {
    "application/json": conv.OUTPUT_TYPE_JSON,
    "text/plain": conv.OUTPUT_TYPE_TEXT,
}

# Where the model's name starts in a request path, and the prefix it keeps:
# ``.../models/{model}:method`` (the Gemini API, and Vertex AI's
# ``publishers/google/models/{model}``) or ``.../tunedModels/{id}:method``.
_MODEL_MARKERS = (("/models/", ""), ("/tunedModels/", "tunedModels/"))


class Endpoint(NamedTuple):
    """How to read one endpoint's request body (with the model its path
    names) and its response, a whole body or a stream alike."""

    request: Callable[[Mapping[str, Any], str | None], dict[str, AttributeValue]]
    response: Callable[[], ChunkReader]


def install(patches: Patches) -> None:
    from google.genai import _api_client

    client = _api_client.BaseApiClient
    patches.wrap(client, "_request_once", _counting_attempts)
    patches.wrap(client, "_async_request_once", _counting_async_attempts)
    patches.wrap(client, "_request", _observing)
    patches.wrap(client, "_async_request", _observing_async)


# -- attempts ---------------------------------------------------------------------


def _counting_attempts(original: Callable[..., Any]) -> Callable[..., Any]:
    def _request_once(self: Any, http_request: Any, *args: Any, **kwargs: Any) -> Any:
        served = current()
        if served is not None:
            safely("reading a google-genai request's URL", _note_attempt, served, http_request)
        return original(self, http_request, *args, **kwargs)

    return _request_once


def _counting_async_attempts(original: Callable[..., Any]) -> Callable[..., Any]:
    async def _async_request_once(self: Any, http_request: Any, *args: Any, **kwargs: Any) -> Any:
        served = current()
        if served is not None:
            safely("reading a google-genai request's URL", _note_attempt, served, http_request)
        return await original(self, http_request, *args, **kwargs)

    return _async_request_once


def _note_attempt(served: Served, http_request: Any) -> None:
    url = urlsplit(str(http_request.url))
    served.attempt(url.hostname or None, port_of(url.scheme, url.port))


# -- calls ------------------------------------------------------------------------


def _observing(original: Callable[..., Any]) -> Callable[..., Any]:
    def _request(self: Any, http_request: Any, *args: Any, **kwargs: Any) -> Any:
        served = current()
        endpoint = None if served is None else _prepare(served, http_request)
        if served is None or endpoint is None:
            return original(self, http_request, *args, **kwargs)
        try:
            response = original(self, http_request, *args, **kwargs)
        except BaseException as error:
            safely("reading a google-genai error", _note_status, served, error)
            raise
        safely("reading a google-genai response", _observe, served, endpoint, response, _sync)
        return response

    return _request


def _observing_async(original: Callable[..., Any]) -> Callable[..., Any]:
    async def _async_request(self: Any, http_request: Any, *args: Any, **kwargs: Any) -> Any:
        served = current()
        endpoint = None if served is None else _prepare(served, http_request)
        if served is None or endpoint is None:
            return await original(self, http_request, *args, **kwargs)
        try:
            response = await original(self, http_request, *args, **kwargs)
        except BaseException as error:
            safely("reading a google-genai error", _note_status, served, error)
            raise
        safely("reading a google-genai response", _observe, served, endpoint, response, _async)
        return response

    return _async_request


def _prepare(served: Served, http_request: Any) -> Endpoint | None:
    try:
        path = urlsplit(str(http_request.url)).path
        resource, _, method = path.rpartition(":")
        endpoint = _ENDPOINTS.get(method)
        if endpoint is not None:
            body = http_request.data
            body = body if isinstance(body, Mapping) else {}
            served.requested(endpoint.request(body, model_in(resource)))
        return endpoint
    except Exception:
        report_internal_error("reading a google-genai request")
        return None


def model_in(resource: str) -> str | None:
    """The model a request path names (the part before ``:method``)."""
    for marker, prefix in _MODEL_MARKERS:
        _, found, name = resource.rpartition(marker)
        if found and name:
            return prefix + name
    return None


def _note_status(served: Served, error: BaseException) -> None:
    from google.genai.errors import APIError

    # Only the SDK's own error carries the HTTP status (as ``code``).
    status = integer(getattr(error, "code", None)) if isinstance(error, APIError) else None
    if status is not None:
        served.failed_with_status(status)


def _observe(
    served: Served, endpoint: Endpoint, response: Any, tap: Callable[[Any, ChunkReader], None]
) -> None:
    reader = endpoint.response()
    bodies = response.response_stream
    if isinstance(bodies, list):
        # The whole response is here, as text (one body, unless replayed).
        for body in bodies:
            reader.chunk(_parsed(body))
        served.responded(reader.result())
        return
    served.streaming(reader)
    tap(response, reader)


def _parsed(body: Any) -> Any:
    # A body that is not JSON is the SDK's to report (it raises for it).
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _sync(response: Any, reader: ChunkReader) -> None:
    """Read a sync stream's chunks as the SDK iterates ``segments()``."""
    segments = response.segments
    # An attribute of the instance wins over the method: the response object
    # stays the SDK's own, and its chunks pass through the reader.
    response.segments = lambda: read_while_passing_sync(segments(), reader)


def _async(response: Any, reader: ChunkReader) -> None:
    """Read an async stream's chunks: ``async for`` over the response calls
    ``self.async_segments()``, replaced on the instance as in ``_sync``."""
    segments = response.async_segments
    response.async_segments = lambda: read_while_passing(segments(), reader)


# -- generation -------------------------------------------------------------------


def generation_request(body: Mapping[str, Any], model: str | None) -> dict[str, AttributeValue]:
    config = _mapping(body.get("generationConfig"))
    named = {common: config.get(gemini) for common, gemini in _SAMPLING_NAMES.items()}
    found = attrs.sampling(
        {"model": model, **named},
        max_tokens=config.get("maxOutputTokens"),
        stop=config.get("stopSequences"),
    )
    candidates = integer(config.get("candidateCount"))
    if candidates is not None and candidates != 1:
        found[conv.REQUEST_CHOICE_COUNT] = candidates
    mime_type = text(config.get("responseMimeType"))
    output_type = None if mime_type is None else _OUTPUT_TYPES.get(mime_type)
    if output_type is not None:
        found[conv.OUTPUT_TYPE] = output_type
    return found


class Generation:
    """A generation, whole or streamed: each chunk of a stream has the shape
    of a whole response. The id and model are the first and latest sent;
    each candidate's finish reason comes with its last chunk, its function
    calls may come in earlier ones; the usage is the latest reported."""

    __slots__ = ("_calls", "_id", "_model", "_reasons", "_usage")

    def __init__(self) -> None:
        self._id: str | None = None
        self._model: str | None = None
        self._reasons: dict[int, str | None] = {}
        self._calls: set[int] = set()
        self._usage: Mapping[str, Any] = {}

    def chunk(self, chunk: Any) -> None:
        body = _mapping(chunk)
        self._id = self._id or text(body.get("responseId"))
        self._model = text(body.get("modelVersion")) or self._model
        for candidate in _list(body.get("candidates")):
            self._candidate(_mapping(candidate))
        usage = body.get("usageMetadata")
        if isinstance(usage, Mapping):
            self._usage = usage

    def _candidate(self, candidate: Mapping[str, Any]) -> None:
        # Protobuf's JSON may leave out an index of 0.
        index = integer(candidate.get("index")) or 0
        reason = text(candidate.get("finishReason"))
        if reason is not None or index not in self._reasons:
            self._reasons[index] = reason
        parts = _list(_mapping(candidate.get("content")).get("parts"))
        if any("functionCall" in _mapping(part) for part in parts):
            self._calls.add(index)

    def result(self) -> ServedResult:
        return ServedResult(
            response_id=self._id,
            response_model=self._model,
            finish_reasons=self._finish_reasons(),
            **generation_usage(self._usage),
        )

    def _finish_reasons(self) -> tuple[str, ...] | None:
        """In the conventions' values; None until every candidate has one."""
        found: list[str] = []
        for index in sorted(self._reasons):
            reason = self._reasons[index]
            if reason is None:
                return None
            if reason == "STOP" and index in self._calls:
                # Gemini stops normally after a function call.
                found.append(conv.FINISH_TOOL_CALL)
            else:
                found.append(_FINISH_REASONS.get(reason, reason))
        return tuple(found) or None


def generation_usage(usage: Mapping[str, Any]) -> dict[str, int | None]:
    """Gemini counts the thinking apart from the candidates' tokens; the
    conventions' output tokens include it. The prompt count includes the
    cached tokens, as the conventions' input tokens do."""
    candidates = integer(usage.get("candidatesTokenCount"))
    thoughts = integer(usage.get("thoughtsTokenCount"))
    output = None
    if candidates is not None or thoughts is not None:
        output = (candidates or 0) + (thoughts or 0)
    return {
        "input_tokens": integer(usage.get("promptTokenCount")),
        "output_tokens": output,
        "cache_read_input_tokens": integer(usage.get("cachedContentTokenCount")),
        "reasoning_output_tokens": thoughts,
    }


# -- embeddings -------------------------------------------------------------------


def embeddings_request(body: Mapping[str, Any], model: str | None) -> dict[str, AttributeValue]:
    # A batch asks each of its requests for the same dimensions.
    requests = _list(body.get("requests"))
    first = _mapping(requests[0]) if requests else body
    return attrs.embedding(model, first.get("outputDimensionality"))


class Embeddings:
    """An embeddings response: its usage, when the API reports one (it names
    no model)."""

    __slots__ = ("_input_tokens",)

    def __init__(self) -> None:
        self._input_tokens: int | None = None

    def chunk(self, chunk: Any) -> None:
        usage = _mapping(_mapping(chunk).get("usageMetadata"))
        self._input_tokens = integer(usage.get("promptTokenCount"))

    def result(self) -> ServedResult:
        return ServedResult(input_tokens=self._input_tokens)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_GENERATION = Endpoint(generation_request, Generation)
_EMBEDDINGS = Endpoint(embeddings_request, Embeddings)
# The endpoints read, by the method a request path ends with.
_ENDPOINTS = {
    "generateContent": _GENERATION,
    "streamGenerateContent": _GENERATION,
    "batchEmbedContents": _EMBEDDINGS,
    "embedContent": _EMBEDDINGS,
}
