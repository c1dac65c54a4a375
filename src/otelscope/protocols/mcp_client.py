"""MCP tool calls, client side, read in the ``mcp`` SDK (1.x and 2.x).

The ``execute_tool`` span of a tool an MCP server runs is the MCP client span
of that call (the GenAI conventions' MCP page: an instrumentation that sees
an outer tool span adds the MCP attributes to it rather than making a second
span). This module reports to it (``otelscope.core.remote``):

- ``mcp.method.name`` (``tools/call``), ``jsonrpc.request.id``,
  ``mcp.protocol.version`` (negotiated) and, over Streamable HTTP,
  ``mcp.session.id``; the transport and endpoint come from AgentScope's MCP
  client (``otelscope.agentscope_common.mcp_endpoints``);
- a result with ``isError`` ends the span as ``tool_error``.

Only the first ``tools/call`` of a tool call is merged into its span; any
further one a tool body makes keeps its own span where the SDK makes one.

Context (``traceparent``, ``tracestate``, ``baggage``) goes to the server in
``params._meta`` (SEP-414):

- ``mcp`` 1.x sends none: every request and notification sent while a
  context is current gets it here, without touching a ``_meta`` key the
  caller set (a caller's own ``traceparent`` keeps the whole context as is).
- ``mcp`` 2.x injects it itself and opens its own client span for each
  request (``MCP send tools/call {tool}``). For the ``tools/call`` of a traced
  tool call, that span would repeat the ``execute_tool`` span: this module
  hands the SDK a view of the tool's span instead, which records what the SDK
  sets on it, so the SDK injects the tool span's context and no span is
  made twice. Every other request keeps the SDK's own span.

Session operations (``initialize``, ``tools/list``) get no span of
otelscope's: AgentScope 2.x lists the tools again at every reasoning step,
and a span per listing would bury the calls. Their requests still carry the
context, so the server's spans of them join the trace.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import NonRecordingSpan, SpanKind
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import report_internal_error, safely, suppressed
from otelscope.core.patching import Patches
from otelscope.core.remote import Remote, current

Wrapped = Callable[..., Any]

# The Streamable HTTP transport behind a session, by the stream the session
# writes to (the SDK hands the same stream object to both).
_http_transports: weakref.WeakKeyDictionary[object, Any] = weakref.WeakKeyDictionary()
# mcp 1.x sessions do not keep the protocol version they negotiated.
_negotiated: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def install(patches: Patches) -> None:
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import StreamableHTTPTransport

    patches.wrap(StreamableHTTPTransport, "post_writer", _noting_transport)
    dispatcher = _dispatcher_module()
    if dispatcher is not None:
        patches.wrap(dispatcher, "otel_span", _merging_tool_span)
        patches.wrap(ClientSession, "call_tool", _reporting_tool_result(_session_facts_v2))
    else:
        # mcp 1.x only (the module is gone in 2.x, where the types are checked).
        base_session = import_module("mcp.shared.session").BaseSession
        patches.wrap(base_session, "send_request", _propagating_request)
        patches.wrap(base_session, "send_notification", _propagating_notification)
        patches.wrap(ClientSession, "call_tool", _reporting_tool_result(_session_facts_v1))


def _dispatcher_module() -> Any:
    """mcp 2.x's JSON-RPC dispatcher, which makes its own spans; None on 1.x."""
    try:
        from mcp.shared import jsonrpc_dispatcher
    except ImportError:
        return None
    return jsonrpc_dispatcher if hasattr(jsonrpc_dispatcher, "otel_span") else None


# -- the transport behind a session -----------------------------------------------


def _noting_transport(original: Wrapped) -> Wrapped:
    async def post_writer(self: Any, client: Any, *args: Any, **kwargs: Any) -> Any:
        # The session's write stream is the fourth argument in both SDK majors.
        write_stream = args[2] if len(args) > 2 else kwargs.get("write_stream")
        safely("noting an MCP transport", _note_transport, write_stream, self)
        return await original(self, client, *args, **kwargs)

    return post_writer


def _note_transport(write_stream: object, transport: object) -> None:
    if write_stream is not None:
        _http_transports[_stream_key(write_stream)] = transport


def _stream_key(stream: object) -> object:
    """The anyio stream itself: mcp 2.x wraps it in a ``ContextSendStream``,
    which cannot be weakly referenced."""
    return getattr(stream, "_inner", stream)


def _http_session_id(write_stream: object) -> str | None:
    try:
        transport = _http_transports.get(_stream_key(write_stream))
    except TypeError:
        return None
    session_id = getattr(transport, "session_id", None)
    return session_id if isinstance(session_id, str) else None


def _session_facts_v1(session: Any) -> dict[str, AttributeValue | None]:
    return {
        conv.MCP_PROTOCOL_VERSION: _negotiated.get(session),
        conv.MCP_SESSION_ID: _http_session_id(getattr(session, "_write_stream", None)),
    }


def _session_facts_v2(session: Any) -> dict[str, AttributeValue | None]:
    version = getattr(session, "protocol_version", None)
    stream = getattr(getattr(session, "_dispatcher", None), "_write_stream", None)
    return {
        conv.MCP_PROTOCOL_VERSION: version if isinstance(version, str) else None,
        conv.MCP_SESSION_ID: _http_session_id(stream),
    }


# -- tools/call: session facts and the result ------------------------------------


def _reporting_tool_result(
    facts: Callable[[Any], dict[str, AttributeValue | None]],
) -> Callable[[Wrapped], Wrapped]:
    def wrap(original: Wrapped) -> Wrapped:
        async def call_tool(self: Any, *args: Any, **kwargs: Any) -> Any:
            remote = None if suppressed() else current()
            # Only the first MCP call of a tool call is its own.
            if remote is None or conv.MCP_METHOD_NAME in remote.attributes:
                return await original(self, *args, **kwargs)
            try:
                result = await original(self, *args, **kwargs)
            except Exception as error:
                safely("reading an MCP error", _report_error, remote, facts, self, error)
                raise
            safely("reading an MCP tool result", _report_result, remote, facts, self, result)
            return result

        return call_tool

    return wrap


def _report_result(
    remote: Remote,
    facts: Callable[[Any], dict[str, AttributeValue | None]],
    session: Any,
    result: Any,
) -> None:
    remote.report(facts(session))
    is_error = getattr(result, "isError", None)
    if is_error is None:
        is_error = getattr(result, "is_error", None)
    if is_error is True:
        remote.failed_as(conv.ERROR_TYPE_TOOL_ERROR, error_text(result))


def _report_error(
    remote: Remote,
    facts: Callable[[Any], dict[str, AttributeValue | None]],
    session: Any,
    error: Exception,
) -> None:
    """A JSON-RPC error answer: its code is the ``error.type`` (the MCP
    conventions' choice over the exception's class)."""
    remote.report(facts(session))
    code = getattr(getattr(error, "error", None), "code", None)
    if isinstance(code, int) and not isinstance(code, bool):
        remote.report({conv.ERROR_TYPE: str(code), conv.RPC_RESPONSE_STATUS_CODE: str(code)})


def error_text(result: Any) -> str:
    """The text the server put in its error result, else a generic line."""
    texts = [
        block.text
        for block in getattr(result, "content", None) or ()
        if isinstance(getattr(block, "text", None), str)
    ]
    return "\n".join(texts) or "the MCP server reported a tool error"


# -- mcp 1.x: context into params._meta --------------------------------------------


def _propagating_request(original: Wrapped) -> Wrapped:
    async def send_request(self: Any, request: Any, result_type: Any, *args: Any, **kw: Any) -> Any:
        if suppressed():
            return await original(self, request, result_type, *args, **kw)
        try:
            remote = _tool_call_to_report(request)
            if remote is not None:
                # The id the SDK is about to give this request.
                remote.report(
                    {
                        conv.MCP_METHOD_NAME: conv.MCP_METHOD_TOOLS_CALL,
                        conv.JSONRPC_REQUEST_ID: str(self._request_id),
                    }
                )
            sent = with_context(request)
        except Exception:
            report_internal_error("propagating context to an MCP server")
            sent = request
        result = await original(self, sent, result_type, *args, **kw)
        version = getattr(result, "protocolVersion", None)
        if isinstance(version, str):
            safely("noting an MCP protocol version", _negotiated.__setitem__, self, version)
        return result

    return send_request


def _propagating_notification(original: Wrapped) -> Wrapped:
    async def send_notification(self: Any, notification: Any, *args: Any, **kw: Any) -> Any:
        if suppressed():
            return await original(self, notification, *args, **kw)
        try:
            sent = with_context(notification)
        except Exception:
            report_internal_error("propagating context to an MCP server")
            sent = notification
        return await original(self, sent, *args, **kw)

    return send_notification


def _tool_call_to_report(request: Any) -> Remote | None:
    """The traced tool call this request is the ``tools/call`` of, if it is
    its first one."""
    method = getattr(getattr(request, "root", request), "method", None)
    if method != conv.MCP_METHOD_TOOLS_CALL:
        return None
    remote = current()
    if remote is None or conv.MCP_METHOD_NAME in remote.attributes:
        return None
    return remote


def with_context(message: Any) -> Any:
    """``message`` (an mcp 1.x request or notification model) with the current
    context in ``params._meta``; ``message`` itself when there is nothing to
    add or the caller already set ``traceparent``."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    if not carrier:
        return message
    data = message.model_dump(by_alias=True, mode="json", exclude_none=True)
    params = data.get("params")
    if params is None:
        params = data["params"] = {}
    meta = params.get("_meta")
    if meta is None:
        meta = params["_meta"] = {}
    if "traceparent" in meta:
        return message
    for key, value in carrier.items():
        meta.setdefault(key, value)
    return type(message).model_validate(data)


# -- mcp 2.x: the SDK's client span of a traced tools/call -------------------------


def _merging_tool_span(original: Wrapped) -> Wrapped:
    def otel_span(name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            remote = _merging_into(kwargs)
        except Exception:
            report_internal_error("reading an MCP client span")
            remote = None
        if remote is None:
            return original(name, *args, **kwargs)
        return _tool_span_view(remote, kwargs.get("attributes"))

    return otel_span


def _merging_into(kwargs: Mapping[str, Any]) -> Remote | None:
    if suppressed() or kwargs.get("kind") is not SpanKind.CLIENT:
        return None
    attributes = kwargs.get("attributes")
    if not isinstance(attributes, Mapping):
        return None
    if attributes.get(conv.MCP_METHOD_NAME) != conv.MCP_METHOD_TOOLS_CALL:
        return None
    remote = current()
    if remote is None or conv.MCP_METHOD_NAME in remote.attributes:
        return None
    return remote


@contextmanager
def _tool_span_view(remote: Remote, attributes: object) -> Iterator[trace.Span]:
    if isinstance(attributes, Mapping):
        remote.report(attributes)
    # The tool's span is current here: the SDK injects its context.
    yield _ToolSpanView(trace.get_current_span().get_span_context(), remote)


class _ToolSpanView(NonRecordingSpan):
    """What the SDK sets on its client span goes to the tool's record; every
    other span operation does nothing (the tool's span ends on its own)."""

    def __init__(self, context: trace.SpanContext, remote: Remote) -> None:
        super().__init__(context)
        self._remote = remote

    def set_attribute(self, key: str, value: Any) -> None:
        self._remote.report({key: value})

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        self._remote.report(attributes)
