"""Where the MCP server of a 1.x MCP tool runs (``network.transport``, address).

1.x makes an ``MCPToolFunction`` per MCP tool. A stateless HTTP client's
function holds ``client_gen``, a method of the client, which knows its
transport and URL. A stateful client's function holds only the session, so
the endpoint is remembered when ``StatefulClientBase.get_callable_function``
makes the function. A stateful HTTP client keeps its URL only in the
transport's context manager, whose arguments Python drops once it is
entered: the endpoint is read at ``connect()``, before that. Tools of a
stateful client connected before ``instrument()`` get no endpoint attributes.
"""

from __future__ import annotations

from typing import Any

from otelscope.agentscope_common.mcp_endpoints import STDIO, Endpoint, ToolEndpoints, http_endpoint
from otelscope.core.guard import safely
from otelscope.core.patching import Patches

_ENDPOINTS = ToolEndpoints()
# Read at connect(): a stateful HTTP client's URL is gone once it connected.
_CLIENT_ENDPOINTS = ToolEndpoints()


def install(patches: Patches) -> None:
    from agentscope.mcp import StatefulClientBase

    patches.wrap(StatefulClientBase, "connect", _reading_endpoint)
    patches.wrap(StatefulClientBase, "get_callable_function", _remembering)


def _reading_endpoint(original: Any) -> Any:
    async def connect(self: Any, *args: Any, **kwargs: Any) -> Any:
        safely("reading an MCP client's endpoint", _read_endpoint, self)
        return await original(self, *args, **kwargs)

    return connect


def _read_endpoint(client: object) -> None:
    _CLIENT_ENDPOINTS.remember(client, endpoint(client))


def _remembering(original: Any) -> Any:
    async def get_callable_function(self: Any, *args: Any, **kwargs: Any) -> Any:
        function = await original(self, *args, **kwargs)
        safely("reading an MCP client's endpoint", _remember, function, self)
        return function

    return get_callable_function


def _remember(function: object, client: object) -> None:
    _ENDPOINTS.remember(function, _CLIENT_ENDPOINTS.of(client) or endpoint(client))


def tool_endpoint(function: object) -> Endpoint | None:
    """The endpoint of the MCP server behind ``function``, or None (not an MCP tool)."""
    # The toolkit registers the bound ``__call__`` of the ``MCPToolFunction``.
    tool = getattr(function, "__self__", function)
    client = getattr(getattr(tool, "client_gen", None), "__self__", None)
    if client is not None:
        return endpoint(client)
    return _ENDPOINTS.of(tool)


def endpoint(client: object) -> Endpoint | None:
    """The endpoint of a 1.x MCP client: stdio, or HTTP (streamable or SSE) at its URL."""
    transport = getattr(client, "transport", None)
    if transport not in ("streamable_http", "sse"):
        return STDIO if type(client).__name__ == "StdIOStatefulClient" else None
    config = getattr(client, "client_config", None)
    if isinstance(config, dict):
        return http_endpoint(config.get("url"))
    # A stateful HTTP client keeps only the transport's context manager,
    # which holds the arguments it was made with.
    arguments = getattr(getattr(client, "client", None), "kwds", None)
    return http_endpoint(arguments.get("url") if isinstance(arguments, dict) else None)
