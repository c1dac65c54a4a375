"""What xAI served, read in the ``xai_sdk`` package: AgentScope 2.x's
``XAIChatModel``, which talks to xAI over gRPC through the SDK's async client
(``xai_sdk.AsyncClient``), a new client for every call.

Four methods of the SDK's async side are wrapped:

- ``aio.client.Client._init`` runs once per client, with the API host as the
  SDK resolved it: inside a traced model call, the client's chat stub is
  bound to that call and to the endpoint.
- ``aio.chat.Chat._make_request`` builds the request proto of each RPC a chat
  sends (and raises before sending an invalid one): it counts the attempt
  and reads the request as sent.
- ``Chat.sample`` reads the response, or the gRPC status of the error.
- ``Chat.stream`` reads the chunks as they pass, or the status.

The binding is what reaches a stream: ``XAIChatModel`` returns its stream
before the SDK sends anything, and the RPC starts when the caller first reads
it, after the traced call's own code has returned and ``current()`` is None.
The client, made in that code, carries the call to where the RPC is made.

``otelscope.request.attempts`` counts the RPCs the SDK sends. The gRPC
channel's own retries (xai_sdk's channel retries UNAVAILABLE, up to 5
attempts) happen inside gRPC's core and are invisible from Python: neither
the call nor its error says how many attempts the channel made, so an RPC
that the channel retried counts once.
"""

from __future__ import annotations

import inspect
import struct
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from importlib import import_module
from typing import Any, NamedTuple

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, safely
from otelscope.core.patching import Patches
from otelscope.core.served import Served, ServedResult, current
from otelscope.core.values import integer, text
from otelscope.provider_sdks import request_attributes as attrs

# gRPC's port when a target names none, whether or not the channel is secure.
_DEFAULT_PORT = 443

# The conventions' names for xAI's finish reasons; others are written as
# sent, lower-cased without the enum's ``REASON_`` prefix.
_FINISH_REASONS = {
    "REASON_STOP": conv.FINISH_STOP,
    "REASON_MAX_LEN": conv.FINISH_LENGTH,
    "REASON_MAX_CONTEXT": conv.FINISH_LENGTH,
    "REASON_TOOL_CALLS": conv.FINISH_TOOL_CALL,
}

# The request's optional sampling fields, read only when the request sets them.
_SAMPLING_FIELDS = (
    "temperature",
    "top_p",
    "max_tokens",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "n",
)


class _Binding(NamedTuple):
    """The traced model call a client was made in, and the endpoint it calls."""

    served: Served
    address: str | None
    port: int | None


# By chat stub: the client and every chat it creates share one. Weak, so a
# closed client's entry goes with it.
_bindings: weakref.WeakKeyDictionary[Any, _Binding] = weakref.WeakKeyDictionary()


def install(patches: Patches) -> None:
    # xai_sdk ships no type information; its modules are read as ``Any``.
    client = import_module("xai_sdk.aio.client")
    chat = import_module("xai_sdk.aio.chat")
    patches.wrap(client.Client, "_init", _binding_clients)
    patches.wrap(chat.Chat, "_make_request", _counting_attempts)
    patches.wrap(chat.Chat, "sample", _sampling)
    patches.wrap(chat.Chat, "stream", _streaming)


# -- which call, which endpoint --------------------------------------------------


def _binding_clients(original: Callable[..., Any]) -> Callable[..., Any]:
    def _init(
        self: Any, api_key: Any, management_api_key: Any, api_host: Any, *args: Any, **kwargs: Any
    ) -> Any:
        served = current()
        made = original(self, api_key, management_api_key, api_host, *args, **kwargs)
        if served is not None:
            safely("reading an xAI client's endpoint", _bind, self, served, api_host)
        return made

    return _init


def _bind(client: Any, served: Served, api_host: Any) -> None:
    address, port = endpoint_of(api_host) if isinstance(api_host, str) else (None, None)
    _bindings[client.chat._stub] = _Binding(served, address, port)


def _binding_of(chat: Any) -> _Binding | None:
    stub = getattr(chat, "_stub", None)
    return None if stub is None else _bindings.get(stub)


def _served_for(chat: Any) -> Served | None:
    """The traced call a chat's RPC belongs to: the one running, or else the
    one whose code made the chat's client (a stream runs after it returned)."""
    try:
        served = current()
        if served is None:
            binding = _binding_of(chat)
            served = None if binding is None else binding.served
        return served
    except Exception:
        report_internal_error("finding the model call of an xAI chat")
        return None


def endpoint_of(target: str) -> tuple[str | None, int | None]:
    """Host and port of a gRPC target: ``host``, ``host:port`` or
    ``[v6]:port``, with or without a resolver scheme (``dns:///``,
    ``ipv4:``). A Unix socket is its path, with no port."""
    if target.startswith(("unix:", "unix-abstract:")):
        return target.partition(":")[2] or None, None
    host, port = _split_port(_without_scheme(target))
    return host or None, port


def _without_scheme(target: str) -> str:
    for scheme in ("dns:", "ipv4:", "ipv6:"):
        if target.startswith(scheme):
            rest = target.removeprefix(scheme)
            if rest.startswith("//"):  # an authority (the DNS server) comes first
                rest = rest[2:].partition("/")[2]
            return rest.split(",")[0]  # ipv4:/ipv6: list addresses; the first
    return target


def _split_port(address: str) -> tuple[str, int | None]:
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        return host, _port(rest.removeprefix(":"))
    if address.count(":") == 1:
        host, _, port = address.partition(":")
        return host, _port(port)
    return address, _DEFAULT_PORT  # no port, or a bare IPv6 address


def _port(written: str) -> int | None:
    if not written:
        return _DEFAULT_PORT
    return int(written) if written.isdigit() else None


# -- the request and its attempts --------------------------------------------------


def _counting_attempts(original: Callable[..., Any]) -> Callable[..., Any]:
    def _make_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        served = _served_for(self)
        request = original(self, *args, **kwargs)
        if served is not None:
            safely("reading an xAI request", _note_request, served, self, request)
        return request

    return _make_request


def _note_request(served: Served, chat: Any, request: Any) -> None:
    binding = _binding_of(chat)
    if binding is None:
        served.attempt(None, None)
    else:
        served.attempt(binding.address, binding.port)
    served.requested(chat_request(request))


def chat_request(request: Any) -> dict[str, AttributeValue]:
    """Request attributes from a ``GetCompletionsRequest`` proto."""
    body: dict[str, Any] = {"model": request.model}
    for name in _SAMPLING_FIELDS:
        if request.HasField(name):
            value = getattr(request, name)
            body[name] = _as_written(value) if isinstance(value, float) else value
    found = attrs.sampling(body, max_tokens=body.get("max_tokens"), stop=list(request.stop))
    choices = integer(body.get("n"))
    if choices is not None and choices != 1:
        found[conv.REQUEST_CHOICE_COUNT] = choices
    if request.HasField("response_format"):
        output_type = attrs.output_type(_format_name(request.response_format))
        if output_type is not None:
            found[conv.OUTPUT_TYPE] = output_type
    return found


def _as_written(value: float) -> float:
    """The shortest decimal that a proto ``float`` (32 bits) holds as
    ``value``: 0.7 is sent as 0.699999988..., and 0.7 is what was asked."""
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == value:
            return candidate
    return value


def _format_name(response_format: Any) -> str | None:
    """``json_object``, ``json_schema`` or ``text``, from ``FORMAT_TYPE_*``."""
    name = _enum_name(response_format, "format_type")
    if name is None or name == "FORMAT_TYPE_INVALID":
        return None
    return name.removeprefix("FORMAT_TYPE_").lower()


def _enum_name(message: Any, field: str) -> str | None:
    """The name the proto gives the enum value of ``message.field``; None for
    a number this SDK's protos do not know."""
    enum = message.DESCRIPTOR.fields_by_name[field].enum_type
    found = enum.values_by_number.get(getattr(message, field))
    return None if found is None else str(found.name)


# -- the response ------------------------------------------------------------------


def _sampling(original: Callable[..., Any]) -> Callable[..., Any]:
    async def sample(self: Any, *args: Any, **kwargs: Any) -> Any:
        served = _served_for(self)
        if served is None:
            return await original(self, *args, **kwargs)
        try:
            response = await original(self, *args, **kwargs)
        except BaseException as error:
            safely("reading an xAI error", _note_status, served, error)
            raise
        safely("reading an xAI response", _note_response, served, response)
        return response

    return sample


def _note_status(served: Served, error: BaseException) -> None:
    # ``grpc.aio.AioRpcError.code()`` is a ``grpc.StatusCode``, whose value
    # is (number, name).
    if not isinstance(error, import_module("grpc").RpcError):
        return
    code = getattr(error, "code", None)
    value = getattr(code(), "value", None) if callable(code) else None
    if isinstance(value, tuple) and value and integer(value[0]) is not None:
        served.failed_with_status(value[0], conv.RPC_GRPC_STATUS_CODE)


def _note_response(served: Served, response: Any) -> None:
    served.responded(completion_result(response.proto))


def completion_result(proto: Any) -> ServedResult:
    """What a ``GetChatCompletionResponse`` reports."""
    reasons: dict[int, str | None] = {}
    _note_reasons(proto.outputs, reasons)
    return ServedResult(
        response_id=text(proto.id),
        response_model=text(proto.model),
        finish_reasons=_finish_reasons(reasons),
        **_usage_of(proto),
    )


def _usage_of(proto: Any) -> dict[str, int | None]:
    """xAI counts reasoning tokens apart from completion tokens; the
    conventions' output tokens include them."""
    if not proto.HasField("usage"):
        return {}
    usage = proto.usage
    completion = integer(usage.completion_tokens)
    reasoning = integer(usage.reasoning_tokens)
    return {
        "input_tokens": integer(usage.prompt_tokens),
        "output_tokens": None if completion is None else completion + (reasoning or 0),
        "cache_read_input_tokens": integer(usage.cached_prompt_text_tokens),
        "reasoning_output_tokens": reasoning,
    }


def _note_reasons(outputs: Iterable[Any], reasons: dict[int, str | None]) -> None:
    """Each choice's (output index's) last finish reason; 0 means none yet."""
    for output in outputs:
        if output.finish_reason:
            reasons[output.index] = _finish_reason(output)
        else:
            reasons.setdefault(output.index, None)


def _finish_reasons(reasons: dict[int, str | None]) -> tuple[str, ...] | None:
    """None until every choice has a reason."""
    if not reasons or None in reasons.values():
        return None
    return tuple(reason for _, reason in sorted(reasons.items()) if reason is not None)


def _finish_reason(output: Any) -> str:
    """In the conventions' values; a reason newer than this SDK's protos is
    kept as the number sent."""
    name = _enum_name(output, "finish_reason")
    if name is None:
        return str(output.finish_reason)
    return _FINISH_REASONS.get(name) or name.removeprefix("REASON_").lower()


# -- streams -----------------------------------------------------------------------


def _streaming(original: Callable[..., Any]) -> Callable[..., Any]:
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        served = _served_for(self)
        source = original(self, *args, **kwargs)
        if served is None or not inspect.isasyncgen(source):
            return source
        try:
            reader = StreamChunks()
            served.streaming(reader)
            return _read_while_passing(source, served, reader)
        except Exception:
            report_internal_error("reading an xAI stream")
            return source

    return stream


async def _read_while_passing(
    source: AsyncIterator[Any], served: Served, reader: StreamChunks
) -> AsyncGenerator[Any, None]:
    # A plain ``async def`` generator, as the SDK's own stream is one. The
    # source is not closed here: left behind, it is finalized as it would be
    # without otelscope.
    try:
        async for item in source:
            safely("reading a streamed xAI chunk", reader.chunk, item)
            yield item
    except BaseException as error:
        safely("reading an xAI error", _note_status, served, error)
        raise


class StreamChunks:
    """A streamed completion, read from each chunk's proto (the stream yields
    ``(response so far, chunk)``): the id and model, each choice's last
    finish reason, and the usage of the last chunk that carries one."""

    __slots__ = ("_id", "_model", "_reasons", "_usage")

    def __init__(self) -> None:
        self._id: str | None = None
        self._model: str | None = None
        self._reasons: dict[int, str | None] = {}
        self._usage: dict[str, int | None] = {}

    def chunk(self, item: Any) -> None:
        pair = isinstance(item, tuple) and len(item) == 2
        proto = getattr(item[1], "proto", None) if pair else None
        if proto is None:
            return
        self._id = self._id or text(proto.id)
        self._model = text(proto.model) or self._model
        _note_reasons(proto.outputs, self._reasons)
        self._usage = _usage_of(proto) or self._usage

    def result(self) -> ServedResult:
        return ServedResult(
            response_id=self._id,
            response_model=self._model,
            finish_reasons=_finish_reasons(self._reasons),
            **self._usage,
        )
