"""MCP servers that continue the caller's trace: ``MCPServerInstrumentor``.

A server written with the ``mcp`` SDK (``FastMCP``, or the low-level
``Server`` it is built on) runs in its own process. ``mcp`` 2.x traces its
server side itself: it makes a SERVER span per request whose parent is the
context in ``params._meta``, so this instrumentor does nothing there. On
``mcp`` 1.x, which does not, it makes that span:

- ``{mcp.method.name} {tool}`` (``tools/call get_weather``), kind SERVER,
  child of the context the client put in ``params._meta`` (SEP-414), with
  the current context (an HTTP server span, say) as a link when both exist;
- ``mcp.method.name``, ``jsonrpc.request.id``, ``mcp.protocol.version`` (as
  the client asked for it at ``initialize``), and for a tool call
  ``gen_ai.operation.name=execute_tool`` and ``gen_ai.tool.name``;
- an error response ends it with ``error.type`` and
  ``rpc.response.status_code`` set to the JSON-RPC code, and a tool result
  with ``isError`` with ``error.type=tool_error``.

The handler runs with the span current, so spans the tool makes nest under
it. Use it in the server process before it serves::

    from otelscope import MCPServerInstrumentor

    MCPServerInstrumentor().instrument()  # the global tracer provider, or tracer_provider=...

``otelscope run`` does this in every process it traces.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar
from importlib import import_module
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.trace import Link, SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.guard import Arguments, guarded_coroutine, safely
from otelscope.core.operation import Operation
from otelscope.core.patching import Patches, install_on_import
from otelscope.core.streams import step_scope
from otelscope.protocols.mcp_client import error_text
from otelscope.version import __version__

Wrapped = Callable[..., Any]

# The request being handled in this task, for its response to report to.
_handling: ContextVar[Operation | None] = ContextVar("otelscope_mcp_request", default=None)


class MCPServerInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Server spans for an ``mcp`` 1.x server, continuing the client's trace."""

    _patches: Patches | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("mcp >= 1.13",)

    def _instrument(self, **kwargs: Any) -> None:
        tracer = trace.get_tracer(
            "otelscope", __version__, tracer_provider=kwargs.get("tracer_provider")
        )
        patches = Patches()
        # When the server module is imported, not now: a process that never
        # serves MCP (``otelscope run`` instruments every one) pays nothing.
        install_on_import(patches, {_SERVER_MODULE: __name__}, tracer)
        self._patches = patches

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._patches is not None:
            self._patches.restore_all()
            self._patches = None


def sdk_traces_server() -> bool:
    """True for ``mcp`` 2.x, whose server makes its own spans from ``_meta``."""
    try:
        import_module("mcp.server._otel")
    except ImportError:
        return False
    return True


_SERVER_MODULE = "mcp.server.lowlevel.server"


def install(patches: Patches, tracer: Tracer) -> None:
    if sdk_traces_server():
        return
    lowlevel = import_module(_SERVER_MODULE)
    session = import_module("mcp.shared.session")
    patches.wrap(lowlevel.Server, "_handle_request", _traced_request(tracer))
    patches.wrap(session.RequestResponder, "respond", _reporting_response)


def _traced_request(tracer: Tracer) -> Callable[[Wrapped], Wrapped]:
    return guarded_coroutine(_RequestSteps(tracer))


class _RequestSteps:
    """``Server._handle_request(message, request, session, ...)``: one request."""

    what = "an MCP server span"

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> Operation:
        message, request, session = args[1:4]
        return _start(self._tracer, message, request, session)

    def scope(self, operation: Operation, args: Arguments) -> AbstractContextManager[object]:
        return step_scope(operation, also=_Handling(operation))

    def returned(self, operation: Operation, result: Any) -> Any:
        operation.stop()
        return result

    def failed(self, operation: Operation, error: BaseException) -> None:
        operation.fail(error)


class _Handling:
    """The request's operation is the one ``respond`` reports to while its
    handler runs."""

    __slots__ = ("_operation", "_token")

    def __init__(self, operation: Operation) -> None:
        self._operation = operation

    def __enter__(self) -> None:
        self._token = _handling.set(self._operation)

    def __exit__(self, *exc_info: object) -> None:
        _handling.reset(self._token)


def _start(tracer: Tracer, message: Any, request: Any, session: Any) -> Operation:
    method = str(getattr(request, "method", "") or "unknown")
    target = _target(request)
    attributes: dict[str, AttributeValue] = {conv.MCP_METHOD_NAME: method}
    request_id = getattr(message, "request_id", None)
    if request_id is not None:
        attributes[conv.JSONRPC_REQUEST_ID] = str(request_id)
    version = getattr(getattr(session, "client_params", None), "protocolVersion", None)
    if isinstance(version, str):
        attributes[conv.MCP_PROTOCOL_VERSION] = version
    if method == conv.MCP_METHOD_TOOLS_CALL:
        attributes[conv.OPERATION_NAME] = conv.OP_EXECUTE_TOOL
        if target is not None:
            attributes[conv.TOOL_NAME] = target
    parent, links = _parent_and_links(getattr(message, "request_meta", None))
    span = tracer.start_span(
        f"{method} {target}" if target else method,
        context=parent,
        kind=SpanKind.SERVER,
        attributes=attributes,
        links=links,
    )
    return Operation(span)


def _target(request: Any) -> str | None:
    name = getattr(getattr(request, "params", None), "name", None)
    return name if isinstance(name, str) else None


def _parent_and_links(meta: Any) -> tuple[otel_context.Context | None, list[Link]]:
    """The client's context from ``_meta`` as the parent, the ambient one as a
    link; the ambient one alone as the parent when the client sent none."""
    dump = getattr(meta, "model_dump", None)
    carrier = dump() if callable(dump) else None
    if not isinstance(carrier, Mapping):
        return None, []
    extracted = propagate.extract({k: v for k, v in carrier.items() if isinstance(v, str)})
    if not trace.get_current_span(extracted).get_span_context().is_valid:
        return None, []
    ambient = trace.get_current_span().get_span_context()
    return extracted, [Link(ambient)] if ambient.is_valid else []


def _reporting_response(original: Wrapped) -> Wrapped:
    async def respond(self: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        operation = _handling.get()
        if operation is not None:
            safely("reading an MCP response", _report, operation, response)
        return await original(self, response, *args, **kwargs)

    return respond


def _report(operation: Operation, response: Any) -> None:
    code = getattr(response, "code", None)
    if isinstance(code, int) and hasattr(response, "message"):
        # A JSON-RPC error: the server's handler failed or refused.
        operation.set(conv.RPC_RESPONSE_STATUS_CODE, str(code))
        operation.fail_as(str(code), str(response.message))
        return
    result = getattr(response, "root", response)
    if getattr(result, "isError", None) is True:
        operation.remote_record().failed_as(conv.ERROR_TYPE_TOOL_ERROR, error_text(result))
