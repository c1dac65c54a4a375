"""Where an MCP server serves a tool, as the tool's AgentScope MCP client says.

The ``execute_tool`` span of an MCP tool carries ``network.transport``
(``pipe`` for stdio, ``tcp`` for HTTP) and, over HTTP, ``server.address`` and
``server.port``. The ``mcp`` SDK's streams do not say which transport they
run on, while AgentScope's MCP client objects do; each line reads them from
its own classes and hands the URL (or None for stdio) here.

Where a line's tool holds only an MCP session, the endpoint is kept per
object (``ToolEndpoints``, a ``WeakKeyDictionary``: an object dropped by the
user takes its entry with it).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from urllib.parse import urlsplit

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.provider_sdks.passing import port_of

Endpoint = Mapping[str, AttributeValue]

STDIO: Endpoint = {conv.NETWORK_TRANSPORT: conv.TRANSPORT_PIPE}


def http_endpoint(url: object) -> Endpoint:
    """The attributes of an MCP server reached over HTTP at ``url``."""
    found: dict[str, AttributeValue] = {conv.NETWORK_TRANSPORT: conv.TRANSPORT_TCP}
    if not isinstance(url, str):
        return found
    parts = urlsplit(url)
    if parts.hostname:
        found[conv.SERVER_ADDRESS] = parts.hostname
        port = port_of(parts.scheme, parts.port)
        if port is not None:
            found[conv.SERVER_PORT] = port
    return found


class ToolEndpoints:
    """Endpoints per object (a tool made by a stateful client, or the client)."""

    def __init__(self) -> None:
        self._endpoints: weakref.WeakKeyDictionary[object, Endpoint] = weakref.WeakKeyDictionary()

    def remember(self, owner: object, endpoint: Endpoint | None) -> None:
        if endpoint is not None:
            self._endpoints[owner] = endpoint

    def of(self, owner: object) -> Endpoint | None:
        try:
            return self._endpoints.get(owner)
        except TypeError:
            # An unhashable or non-weakly-referable object is not an MCP tool.
            return None
