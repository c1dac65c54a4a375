"""An agent and the MCP server it starts over stdio, both under one
``otelscope run``: one store, and the agent's call as one trace across the
two services, the server's spans under the tool call that asked for them."""

from __future__ import annotations

import re
from importlib import metadata

from otelscope.store import read_store
from tests.cli.launches import otelscope

AGENTSCOPE_MAJOR = int(metadata.version("agentscope").split(".")[0])
TOOL = "get_weather" if AGENTSCOPE_MAJOR == 1 else "mcp__weather__get_weather"
# The server's spans of the call: the tool call, and the span its tool made.
SERVED = """\
│   └── execute_tool {tool}  <d>  [service=mcp_agent_app]
{listing}│       └── tools/call get_weather  <d>  [service=mcp_weather_app]
│           └── look up weather  <d>  [service=mcp_weather_app]
"""
# AgentScope 1.x with mcp 1.x: the agent's spans, and the server's under the tool.
AGENT_LINE = (
    "invoke_agent Forecaster  <d>  "
    "[service=mcp_agent_app, model=weather-model, in=20, out=10, cost=unknown]\n"
)
TREE_V1 = (
    AGENT_LINE
    + """\
├── react step #1  <d>  [service=mcp_agent_app, finish=tool_calls, in=10, out=5]
│   ├── chat weather-model  <d>  [service=mcp_agent_app, in=10, out=5, cost=unknown]
{served}└── react step #2  <d>  [service=mcp_agent_app, finish=stop, in=10, out=5]
    └── chat weather-model  <d>  [service=mcp_agent_app, in=10, out=5, cost=unknown]
"""
)
# AgentScope 2.x lists the server's tools at every step; mcp 2.x makes a client
# span of each listing itself (`MCP send tools/list`), which the server's
# span of it joins.
LISTING = """\
{indent}── MCP send tools/list  <d>  [service=mcp_agent_app]
{more}   └── tools/list  <d>  [service=mcp_weather_app]
"""


def listing(indent: str, more: str) -> str:
    return LISTING.format(indent=indent, more=more)


TREE_V2 = (
    AGENT_LINE
    + listing("├", "│")
    + listing("├", "│")
    + "├── react step #1  <d>  [service=mcp_agent_app, finish=tool_calls, in=10, out=5]\n"
    + listing("│   ├", "│   │")
    + "│   ├── chat weather-model  <d>  [service=mcp_agent_app, in=10, out=5, cost=unknown]\n"
    + "{served}"
    + listing("├", "│") * 3
    + "└── react step #2  <d>  [service=mcp_agent_app, finish=stop, in=10, out=5]\n"
    + listing("    ├", "    │")
    + "    └── chat weather-model  <d>  [service=mcp_agent_app, in=10, out=5, cost=unknown]\n"
)
V2_TOOL_LISTING = listing("│       ├", "│       │")


def expected_tree() -> str:
    if AGENTSCOPE_MAJOR == 1:
        return TREE_V1.format(served=SERVED.format(tool=TOOL, listing=""))
    return TREE_V2.replace("{served}", SERVED.format(tool=TOOL, listing=V2_TOOL_LISTING))


def durations_hidden(text: str) -> str:
    return re.sub(r"\d+(\.\d+)? (ms|s)\b", "<d>", text)


def test_the_agent_and_its_mcp_server_write_one_trace_across_two_services(launched) -> None:
    result = launched.result("mcp-agent")
    assert (result.returncode, result.stdout) == (0, "answer: It is sunny in Paris.\n")
    store = launched.directories["mcp-agent"] / ".otelscope"
    contents = read_store(store)
    assert contents.problems == []
    (call,) = [span for span in contents.spans if span.name == "invoke_agent Forecaster"]
    (served,) = [span for span in contents.spans if span.name == "tools/call get_weather"]
    (tool,) = [span for span in contents.spans if span.name == f"execute_tool {TOOL}"]
    assert served.parent_span_id == tool.span_id
    assert served.trace_id == call.trace_id
    assert served.resource["service.name"] == "mcp_weather_app"
    assert tool.resource["service.name"] == "mcp_agent_app"

    shown = otelscope("show", call.trace_id, cwd=launched.directories["mcp-agent"])
    assert shown.returncode == 0, shown.stderr
    header, _, tree = shown.stdout.partition("\n")
    assert re.fullmatch(
        rf"trace {call.trace_id}  \S+ \S+ UTC  services=mcp_agent_app, mcp_weather_app"
        "  cost=unknown",
        header,
    )
    assert durations_hidden(tree) == expected_tree()
