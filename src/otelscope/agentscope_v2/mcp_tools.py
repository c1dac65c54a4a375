"""The MCP tools of a 2.x toolkit: their description and their server's endpoint.

2.x does not keep MCP tools in its tool groups: each group keeps its
``MCPClient`` objects and lists their tools again whenever it needs them,
under the name ``mcp__{client}__{tool}``. The tool a call names is therefore
found through its client: the client's ``mcp_config`` says stdio or HTTP and
the URL, and its last listing (``_cached_tools``) the tool's description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from otelscope.agentscope_common.call_readers import ToolFacts
from otelscope.agentscope_common.mcp_endpoints import STDIO, Endpoint, http_endpoint
from otelscope.core.values import text

_PREFIX = "mcp__"
# AgentScope's own rule for the tool part of the name: characters a provider
# would refuse become "x".
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def mcp_tool_facts(groups: Iterable[Any], name: str) -> ToolFacts:
    """The description and endpoint of the MCP tool ``name``, if it is one."""
    if not name.startswith(_PREFIX):
        return None, None
    client_name, _, tool_name = name[len(_PREFIX) :].partition("__")
    for group in groups:
        for client in getattr(group, "mcps", None) or ():
            if getattr(client, "name", None) == client_name:
                return _description(client, tool_name), endpoint(client)
    return None, None


def _description(client: Any, tool_name: str) -> str | None:
    for tool in getattr(client, "_cached_tools", None) or ():
        listed = getattr(tool, "name", None)
        if isinstance(listed, str) and _UNSAFE.sub("x", listed) == tool_name:
            return text(getattr(tool, "description", None))
    return None


def endpoint(client: object) -> Endpoint | None:
    """The endpoint of a 2.x ``MCPClient``: stdio, or HTTP at its URL."""
    config = getattr(client, "mcp_config", None)
    kind = getattr(config, "type", None)
    if kind == "stdio_mcp":
        return STDIO
    if kind == "http_mcp":
        return http_endpoint(getattr(config, "url", None))
    return None
