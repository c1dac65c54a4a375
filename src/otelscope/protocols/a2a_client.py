"""What a remote agent answered over A2A, read in the ``a2a-sdk`` client, and
the W3C context carried to it.

AgentScope's ``A2AAgent`` (1.x and 2.x) sends each reply through the SDK's
``BaseClient.send_message``, whatever transport the agent card selects.
Wrapped on the class, it reports to the traced call that is running
(``otelscope.core.remote``): the method (``SendMessage``, or
``SendStreamingMessage`` when client and card both stream), the id of the
message sent, the task and its last state, the conversation (the A2A
``contextId``: the request's, then the one the agent answered with), the
protocol version and the endpoint of the card's interface. A task that ends
``TASK_STATE_FAILED`` or ``TASK_STATE_REJECTED`` fails the call, with the
state as ``error.type``; a call the SDK ends with an exception fails with
that exception, and a JSON-RPC error code or HTTP status it carries is
recorded too.

The SDK never propagates trace context (its own spans, made through the
global tracer provider when one is set, stay in the process), so every HTTP
request a ``BaseClient`` method sends gets the current context injected
through the global propagator (``traceparent``, ``tracestate``,
``baggage``), at ``httpx.AsyncClient.send``, where the request is final. A
header the caller set (on the ``httpx`` client, the call context or an
interceptor) is never replaced, and a caller's ``traceparent`` keeps its
own ``tracestate``. Requests other code sends through ``httpx`` are left
alone: only a step of an A2A client call opens the way (a ``ContextVar``).

Both SDK lines are read: 0.x (pydantic ``Message``, ``Task`` and
``(task, update)`` events, used by AgentScope 1.x) and 1.x (protobuf
``SendMessageRequest`` and ``StreamResponse``, used by AgentScope 2.x).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from opentelemetry import propagate
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, safely, suppressed
from otelscope.core.patching import Patches
from otelscope.core.remote import Remote, current
from otelscope.core.values import integer, text
from otelscope.provider_sdks.passing import port_of

# The task states that say the remote agent did not do what was asked.
_FAILED_STATES = frozenset({conv.A2A_TASK_STATE_FAILED, conv.A2A_TASK_STATE_REJECTED})
# The W3C trace context header, and the one that only means something with it.
_TRACEPARENT = "traceparent"
_TRACESTATE = "tracestate"
# The header an SDK of the 1.x line names the protocol version in.
_VERSION_HEADER = "A2A-Version"


class TaskFacts(NamedTuple):
    """What one answer of the remote agent says."""

    attributes: dict[str, AttributeValue | None]
    # The conventions' name of the task state it reports, if any.
    state: str | None = None
    # The text of the task's status message, if any.
    status_text: str | None = None


class Dialect:
    """How one line of the SDK spells requests, answers and errors."""

    def request(self, client: Any, request: Any) -> dict[str, AttributeValue | None]:
        raise NotImplementedError

    def answer(self, item: Any) -> TaskFacts:
        raise NotImplementedError

    def error(self, client: Any, error: BaseException) -> dict[str, AttributeValue | None]:
        raise NotImplementedError


class _Exchange:
    """One A2A client call taking steps: the call it reports to, if any."""

    __slots__ = ("client", "dialect", "remote")

    def __init__(self, remote: Remote | None, dialect: Dialect | None, client: Any) -> None:
        self.remote = remote
        self.dialect = dialect
        self.client = client

    def received(self, item: Any) -> None:
        if self.remote is None or self.dialect is None:
            return
        facts = self.dialect.answer(item)
        self.remote.report(facts.attributes)
        if facts.state in _FAILED_STATES:
            self.remote.failed_as(facts.state, facts.status_text or facts.state)

    def raised(self, error: BaseException) -> None:
        if self.remote is not None and self.dialect is not None:
            self.remote.report(self.dialect.error(self.client, error))


# Context propagation only: a client call other than send_message, or one made
# outside any traced call.
_PROPAGATING = _Exchange(None, None, None)

# The A2A client call whose step is running here (set around single steps only).
_exchange: ContextVar[_Exchange | None] = ContextVar("otelscope_a2a_exchange", default=None)


def install(patches: Patches) -> None:
    """Read ``send_message`` and carry the context on every client call."""
    import httpx
    from a2a.client.base_client import BaseClient

    dialect = _dialect()
    for name, member in list(vars(BaseClient).items()):
        if name.startswith("_") or name == "close":
            continue
        if name == "send_message":
            patches.wrap(BaseClient, name, _observing_send(dialect))
        elif inspect.isasyncgenfunction(member):
            patches.wrap(BaseClient, name, _propagating_stream)
        elif inspect.iscoroutinefunction(member):
            patches.wrap(BaseClient, name, _propagating_call)
    patches.wrap(httpx.AsyncClient, "send", _injecting)


def _dialect() -> Dialect:
    import a2a.types

    # The 1.x line's types are protocol buffers, with a StreamResponse.
    if hasattr(a2a.types, "StreamResponse"):
        return ProtoDialect(a2a.types.TaskState)
    return PydanticDialect()


# -- the wrappers -------------------------------------------------------------------


def _observing_send(dialect: Dialect) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        # A plain function returning the SDK's stream, or the stream passed
        # through: nothing runs before the caller's first step, as before.
        def send_message(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            if suppressed():
                return original(self, request, *args, **kwargs)
            exchange = _prepare(dialect, self, request)
            return _stepping(original(self, request, *args, **kwargs), exchange)

        return send_message

    return wrap


def _prepare(dialect: Dialect, client: Any, request: Any) -> _Exchange:
    try:
        remote = current()
        if remote is None:
            return _PROPAGATING
        remote.report(dialect.request(client, request))
        return _Exchange(remote, dialect, client)
    except Exception:
        report_internal_error("reading an A2A request")
        return _PROPAGATING


def _propagating_call(original: Callable[..., Any]) -> Callable[..., Any]:
    async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if suppressed():
            return await original(self, *args, **kwargs)
        token = _exchange.set(_PROPAGATING)
        try:
            return await original(self, *args, **kwargs)
        finally:
            _exchange.reset(token)

    return call


def _propagating_stream(original: Callable[..., Any]) -> Callable[..., Any]:
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        if suppressed():
            return original(self, *args, **kwargs)
        return _stepping(original(self, *args, **kwargs), _PROPAGATING)

    return stream


async def _stepping(
    source: AsyncGenerator[Any, None], exchange: _Exchange
) -> AsyncGenerator[Any, None]:
    """Every item of ``source`` unchanged, read on the way; ``exchange`` is
    the current one around each step only, never across a ``yield``."""
    step = source.__anext__
    completed = False
    try:
        while True:
            token = _exchange.set(exchange)
            try:
                item = await step()
            except StopAsyncIteration:
                completed = True
                return
            except BaseException as error:
                completed = True
                safely("reading an A2A error", exchange.raised, error)
                raise
            finally:
                _exchange.reset(token)
            safely("reading an A2A answer", exchange.received, item)
            yield item
    finally:
        if not completed:
            # The caller stopped early: close the SDK's stream now, as the
            # step it would have taken.
            token = _exchange.set(exchange)
            try:
                await source.aclose()
            finally:
                _exchange.reset(token)


def _injecting(original: Callable[..., Any]) -> Callable[..., Any]:
    async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        exchange = _exchange.get()
        if exchange is not None:
            safely("propagating context to an A2A agent", _inject, request, exchange)
        return await original(self, request, *args, **kwargs)

    return send


def _inject(request: Any, exchange: _Exchange) -> None:
    headers = request.headers
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    # A caller's own traceparent keeps the tracestate that goes with it.
    callers_parent = _TRACEPARENT in headers
    for key, value in carrier.items():
        if key in headers or (callers_parent and key.lower() == _TRACESTATE):
            continue
        headers[key] = value
    if exchange.remote is not None:
        version = text(headers.get(_VERSION_HEADER))
        if version is not None:
            exchange.remote.report({conv.A2A_PROTOCOL_VERSION: version})


# -- what the client and its transport say ------------------------------------------


def _method(client: Any) -> str:
    """``send_message`` streams when both the client and the card say so."""
    config = getattr(client, "_config", None)
    capabilities = getattr(getattr(client, "_card", None), "capabilities", None)
    streams = getattr(config, "streaming", False) is True
    streams = streams and getattr(capabilities, "streaming", False) is True
    return conv.A2A_METHOD_SEND_STREAMING_MESSAGE if streams else conv.A2A_METHOD_SEND_MESSAGE


def _transport(client: Any) -> Any:
    """The client's transport, below any decorator (1.x: a tenant's)."""
    transport = getattr(client, "_transport", None)
    for _ in range(8):
        inner = getattr(transport, "_base", None)
        if inner is None:
            break
        transport = inner
    return transport


def _endpoint(url: str | None) -> dict[str, AttributeValue | None]:
    if url is None:
        return {}
    # A gRPC target may be written without a scheme ("host:port").
    parts = urlsplit(url if "://" in url else f"//{url}")
    try:
        port = parts.port
    except ValueError:
        port = None
    return {
        conv.SERVER_ADDRESS: parts.hostname or None,
        conv.SERVER_PORT: port_of(parts.scheme, port) if parts.hostname else None,
    }


def _message_facts(message: Any) -> dict[str, AttributeValue | None]:
    references = [r for r in getattr(message, "reference_task_ids", None) or () if text(r)]
    return {
        conv.A2A_MESSAGE_ID: text(getattr(message, "message_id", None)),
        conv.A2A_TASK_ID: text(getattr(message, "task_id", None)),
        conv.CONVERSATION_ID: text(getattr(message, "context_id", None)),
        conv.A2A_MESSAGE_REFERENCE_TASK_IDS: references or None,
    }


def _parts_text(parts: Any) -> str | None:
    """The text of a message's parts (0.x wraps each in ``root``)."""
    texts = []
    for part in parts or ():
        value = getattr(getattr(part, "root", part), "text", None)
        if isinstance(value, str) and value:
            texts.append(value)
    return "\n".join(texts) or None


class PydanticDialect(Dialect):
    """The 0.x line: ``send_message(Message)`` yields a ``Message`` or
    ``(Task, update)`` pairs whose task holds every update so far."""

    def request(self, client: Any, request: Any) -> dict[str, AttributeValue | None]:
        card = getattr(client, "_card", None)
        url = text(getattr(_transport(client), "url", None)) or text(getattr(card, "url", None))
        return {
            conv.A2A_METHOD_NAME: _method(client),
            conv.A2A_PROTOCOL_VERSION: text(getattr(card, "protocol_version", None)),
            **_endpoint(url),
            **_message_facts(request),
        }

    def answer(self, item: Any) -> TaskFacts:
        if not isinstance(item, tuple):
            # A direct Message answer: no task state.
            return TaskFacts(_answered_in(item, "task_id"))
        task = item[0] if item else None
        status = getattr(task, "status", None)
        state = _pydantic_state(getattr(status, "state", None))
        attributes = _answered_in(task, "id")
        attributes[conv.A2A_TASK_STATE] = state
        message = getattr(status, "message", None)
        return TaskFacts(attributes, state, _parts_text(getattr(message, "parts", None)))

    def error(self, client: Any, error: BaseException) -> dict[str, AttributeValue | None]:
        code = integer(getattr(getattr(error, "error", None), "code", None))
        status = integer(getattr(error, "status_code", None))
        return {
            conv.RPC_RESPONSE_STATUS_CODE: None if code is None else str(code),
            conv.HTTP_RESPONSE_STATUS_CODE: status,
        }


def _answered_in(item: Any, task_key: str) -> dict[str, AttributeValue | None]:
    return {
        conv.A2A_TASK_ID: text(getattr(item, task_key, None)),
        conv.CONVERSATION_ID: text(getattr(item, "context_id", None)),
    }


def _pydantic_state(state: Any) -> str | None:
    """0.x's ``TaskState`` values (``input-required``) in the conventions'
    names (``TASK_STATE_INPUT_REQUIRED``); its ``unknown`` is unspecified."""
    value = text(getattr(state, "value", state))
    if value is None:
        return None
    if value == "unknown":
        return conv.A2A_TASK_STATE_UNSPECIFIED
    return "TASK_STATE_" + value.upper().replace("-", "_")


class ProtoDialect(Dialect):
    """The 1.x line: ``send_message(SendMessageRequest)`` yields
    ``StreamResponse``s holding a task, a message, or a status or artifact
    update; task states are already the conventions' names."""

    def __init__(self, task_state: Any) -> None:
        self._task_state = task_state

    def request(self, client: Any, request: Any) -> dict[str, AttributeValue | None]:
        transport = _transport(client)
        url = text(getattr(transport, "url", None))
        return {
            conv.A2A_METHOD_NAME: _method(client),
            conv.A2A_PROTOCOL_VERSION: _interface_version(getattr(client, "_card", None), url),
            conv.A2A_TENANT: text(getattr(request, "tenant", None)) or _tenant(client),
            **_endpoint(url),
            **_message_facts(getattr(request, "message", None)),
        }

    def answer(self, item: Any) -> TaskFacts:
        kind = item.WhichOneof("payload")
        if kind == "task":
            task = item.task
            return self._with_status(_answered_in(task, "id"), task.status)
        if kind == "status_update":
            update = item.status_update
            return self._with_status(_answered_in(update, "task_id"), update.status)
        if kind == "artifact_update":
            return TaskFacts(_answered_in(item.artifact_update, "task_id"))
        if kind == "message":
            return TaskFacts(_answered_in(item.message, "task_id"))
        return TaskFacts({})

    def _with_status(self, attributes: dict[str, AttributeValue | None], status: Any) -> TaskFacts:
        state = status.state
        # 0 is TASK_STATE_UNSPECIFIED, which an unset field also reads as.
        name = text(self._task_state.Name(state)) if state else None
        attributes[conv.A2A_TASK_STATE] = name
        return TaskFacts(attributes, name, _parts_text(status.message.parts))

    def error(self, client: Any, error: BaseException) -> dict[str, AttributeValue | None]:
        """The JSON-RPC transport turns each code the protocol defines into
        an error class of its own: the code is the class's."""
        if "JsonRpc" not in type(_transport(client)).__name__:
            return {}
        from a2a.utils.errors import JSON_RPC_ERROR_CODE_MAP

        codes: Mapping[type, int] = JSON_RPC_ERROR_CODE_MAP
        code = codes.get(type(error))
        return {conv.RPC_RESPONSE_STATUS_CODE: None if code is None else str(code)}


def _interface_version(card: Any, url: str | None) -> str | None:
    """The protocol version of the card's interface the transport uses."""
    for interface in getattr(card, "supported_interfaces", None) or ():
        if getattr(interface, "url", None) == url:
            version = text(getattr(interface, "protocol_version", None))
            if version is not None:
                return version
    return None


def _tenant(client: Any) -> str | None:
    """The tenant a decorator adds to every request of the client's transport."""
    return text(getattr(getattr(client, "_transport", None), "_tenant", None))
