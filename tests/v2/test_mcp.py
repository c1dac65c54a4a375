"""MCP tools on AgentScope 2.x: what only 2.x does. The ``mcp`` 2.x SDK
makes client spans of its own, which otelscope's execute_tool span stands
for. The tests both lines share, over 2.x's ``MCPClient`` on every
transport, are in ``tests/lines/test_mcp.py``.
"""

from __future__ import annotations

from pathlib import Path

from tests.lines.mcp_calls import run_against_server
from tests.v2.mcp_client_kit import agent_tool


def test_the_sdk_makes_no_client_span_of_its_own_for_a_traced_tool_call(
    traced, loop, tmp_path: Path
) -> None:
    """mcp 2.x makes its client spans with the global tracer provider: with
    it set to the test's, the only span of the tools/call is execute_tool."""
    from mcp.shared import _otel

    tracer = traced.provider.get_tracer("mcp-python-sdk")
    original = _otel._tracer
    _otel._tracer = tracer
    try:
        run_against_server("stdio", "get_weather", loop, tmp_path)
    finally:
        _otel._tracer = original
    names = [span.name for span in traced.spans()]
    assert f"execute_tool {agent_tool('get_weather')}" in names
    assert "MCP send tools/call get_weather" not in names
    # The SDK's spans of other requests are its own, and stay.
    assert "MCP send tools/list" in names
