"""AgentScope 1.x turns a tool's exception into an ``Error: ...`` answer; the
``execute_tool`` span still says the tool failed, and with what."""

from __future__ import annotations

import asyncio
import inspect

from agentscope.message import TextBlock
from agentscope.tool import Toolkit, ToolResponse
from opentelemetry.trace import StatusCode

from tests.spantree import Node, build_trees
from tests.v1.kit import (
    AGENTSCOPE_VERSION,
    Script,
    Step,
    call_with,
    current_script,
    get_weather,
    make_agent,
    make_toolkit,
)


def tool_result_texts(memory) -> list[str]:
    return [
        block["text"]
        for message in memory
        for result in message.get_content_blocks("tool_result")
        for block in result["output"]
    ]


def run_one(agent, script: Script) -> list[str]:
    async def main():
        await call_with(agent, script)
        return tool_result_texts(await agent.memory.get_memory())

    return asyncio.run(main())


def only_tool_span(traced, tool_name: str) -> Node:
    [root] = build_trees(traced.spans())
    [tool] = root.find(f"execute_tool {tool_name}")
    others = [node for node in root.walk() if node is not tool]
    # The agent went on: nothing but the tool's own span is an error.
    assert [node.status for node in others] == [StatusCode.UNSET] * len(others)
    return tool


def assert_error(tool: Node, error_type: str, description: str, *, exception: bool) -> None:
    assert tool.status == StatusCode.ERROR
    assert tool.span.status.description == description
    assert tool.attributes["error.type"] == error_type
    events = [(event.name, dict(event.attributes)) for event in tool.span.events]
    if exception:
        assert [(name, attrs["exception.type"]) for name, attrs in events] == [
            ("exception", error_type)
        ]
    else:
        assert events == []


sync_runs: list[str] = []


def get_population(city: str) -> ToolResponse:
    """Get the population of a city.

    Args:
        city (str): The city name.
    """
    sync_runs.append(city)
    raise ValueError(f"no census for {city}")


def test_a_sync_tool_that_raises_fails_its_span_with_the_exception_type(traced) -> None:
    toolkit = make_toolkit()
    toolkit.register_tool_function(get_population)
    sync_runs.clear()
    script = Script("pop", [Step(tools=["get_population"]), Step(text="sorry")])

    texts = run_one(make_agent(toolkit=toolkit), script)

    assert texts == ["Error: no census for pop"]  # AgentScope's own answer, unchanged
    assert sync_runs == ["pop"]  # the tool ran once
    tool = only_tool_span(traced, "get_population")
    assert_error(tool, "ValueError", "ValueError: no census for pop", exception=True)


def test_a_tool_that_is_not_registered_fails_as_agentscope_names_it(traced) -> None:
    script = Script("nf", [Step(tools=["get_forecast"]), Step(text="sorry")])

    texts = run_one(make_agent(), script)

    assert texts == ["FunctionNotFoundError: Cannot find the function named get_forecast"]
    [root] = build_trees(traced.spans())
    [tool] = root.find("execute_tool get_forecast")
    assert tool.attributes["gen_ai.tool.name"] == "get_forecast"
    assert_error(
        tool,
        "FunctionNotFoundError",
        "FunctionNotFoundError: no tool function named 'get_forecast'",
        exception=False,
    )


def test_a_tool_in_an_inactive_group_is_an_error_only_where_agentscope_refuses_it(
    traced,
) -> None:
    toolkit = Toolkit()
    toolkit.create_tool_group("travel", "Travel tools", active=False)
    toolkit.register_tool_function(get_weather, group_name="travel")
    script = Script("ig", [Step(tools=["get_weather"]), Step(text="done")])

    texts = run_one(make_agent(toolkit=toolkit), script)

    tool = only_tool_span(traced, "get_weather")
    if AGENTSCOPE_VERSION >= (1, 0, 21):
        assert script.tool_runs == 0
        assert texts[0].startswith("FunctionInactiveError: The function 'get_weather'")
        assert_error(
            tool,
            "FunctionInactiveError",
            "FunctionInactiveError: the group of 'get_weather' is inactive",
            exception=False,
        )
    else:
        # 1.0.8 runs a tool whatever its group: then it did not fail.
        assert script.tool_runs == 1
        assert texts == ["Sunny in ig"]
        assert tool.status == StatusCode.UNSET
        assert "error.type" not in tool.attributes


def test_overlapping_calls_keep_their_tool_failures_apart(traced) -> None:
    """One agent, two calls at once: the tool fails in one of them only."""
    agent = make_agent()
    failing = Script("bad", [Step(tools=["get_weather"], delay=0.01), Step(text="x")])
    failing.tool_error = RuntimeError("station offline")
    failing.tool_delay = 0.02
    working = Script("good", [Step(tools=["get_weather"], delay=0.01), Step(text="y")])
    working.tool_delay = 0.02

    async def main():
        await asyncio.gather(call_with(agent, failing), call_with(agent, working))

    asyncio.run(main())

    by_call_id = {
        tool.attributes["gen_ai.tool.call.id"]: tool
        for root in build_trees(traced.spans())
        for tool in root.find("execute_tool get_weather")
    }
    assert sorted(by_call_id) == ["bad-1-0", "good-1-0"]
    failed = by_call_id["bad-1-0"]
    assert_error(failed, "RuntimeError", "RuntimeError: station offline", exception=True)
    assert by_call_id["good-1-0"].status == StatusCode.UNSET
    assert (failing.tool_runs, working.tool_runs) == (1, 1)


def test_uninstrument_gives_agentscope_back_the_registered_functions(traced) -> None:
    toolkit = make_toolkit()
    script = Script("un", [Step(tools=["get_weather"]), Step(text="done")])
    run_one(make_agent(toolkit=toolkit), script)

    registered = toolkit.tools["get_weather"]
    watched = registered.original_func
    assert watched is not get_weather
    assert watched.__wrapped__ is get_weather
    assert inspect.iscoroutinefunction(watched)  # AgentScope takes the same path

    traced.instrumentor.uninstrument()
    try:
        assert registered.original_func is get_weather
    finally:
        traced.instrument()


def test_a_tool_that_returns_error_text_itself_is_not_an_error(traced) -> None:
    """Only an exception is a failure: a tool's own answer is not read."""

    async def get_news(city: str) -> ToolResponse:
        """Get the news of a city.

        Args:
            city (str): The city name.
        """
        return ToolResponse(content=[TextBlock(type="text", text="Error: no news today")])

    toolkit = make_toolkit()
    toolkit.register_tool_function(get_news)
    current_script.set(None)
    script = Script("nw", [Step(tools=["get_news"]), Step(text="ok")])

    texts = run_one(make_agent(toolkit=toolkit), script)

    assert texts == ["Error: no news today"]
    tool = only_tool_span(traced, "get_news")
    assert tool.status == StatusCode.UNSET
    assert "error.type" not in tool.attributes
