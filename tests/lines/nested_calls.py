"""Agents called from a tool, on either AgentScope line: a tool asks an
agent (another one, or the very agent whose call runs the tool), and that
call nests under the tool's span."""

from __future__ import annotations

from typing import Any

from tests.lines.line import kit


async def asked(agent: Any, city: str) -> Any:
    """What a tool returns after asking ``agent`` about ``city``: the asked
    call follows the script ``inner`` (it answers ``inner answer``), and the
    caller's script comes back once it answered."""
    token = kit.current_script.set(kit.Script("inner", [kit.Step(text="inner answer")]))
    try:
        answer = await kit.reply_to(agent, city)
    finally:
        kit.current_script.reset(token)
    return kit.tool_output(kit.reply_text(answer))


def outer_script(tool: str) -> Any:
    return kit.Script("outer", [kit.Step(tools=[tool]), kit.Step(text="ok")])


def boss_asking_helper() -> tuple[Any, Any, Any]:
    """Boss, Helper, and the script of Boss's call, which asks Helper."""
    helper = kit.make_agent(name="Helper")

    async def ask_helper(city: str) -> Any:
        """Ask the helper agent.

        Args:
            city (str): The city to ask about.
        """
        return await asked(helper, city)

    boss = kit.make_agent(name="Boss", toolkit=kit.make_toolkit(ask_helper))
    return boss, helper, outer_script("ask_helper")


def echo_asking_itself() -> tuple[Any, Any]:
    """Echo, and the script of its call, which asks Echo again."""
    holder: list[Any] = []

    async def ask_myself(city: str) -> Any:
        """Ask the same agent again.

        Args:
            city (str): The city.
        """
        return await asked(holder[0], city)

    echo = kit.make_agent(name="Echo", toolkit=kit.make_toolkit(ask_myself))
    holder.append(echo)
    return echo, outer_script("ask_myself")
