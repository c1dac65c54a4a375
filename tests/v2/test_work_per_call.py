"""otelscope's work per AgentScope 2.x agent call, counted exactly.

One reply of one ``Agent`` with one tool round (six spans), on a context
cleared before each reply so every reply formats the same prompt. The counts
are those of ``tests.work_counts``; a change that makes otelscope do more
per call fails here, and its author sets the new figures knowingly. Timed
figures are in ``make bench``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from importlib import metadata

import pytest

from tests.v2.kit import ScriptedChatModel, call_with, make_agent, one_tool_round, reply_text
from tests.work_counts import MODES, assert_work_in_mode, work

AGENTSCOPE_VERSION = tuple(int(part) for part in metadata.version("agentscope").split(".")[:3])
# 18 frames of these are the permission check of the tool call (5), the
# compression check before each reasoning step (2 x 5) and the system prompt
# watch of each reasoning model call (2 x 1): otelscope cannot know, without
# looking, that a call uses no permission rule, compresses nothing and keeps
# its prompt (docs/reliability.md).
RECORDED = {(2, 0, 11): work(346, 45, 5, 8)}
STREAMED = {(2, 0, 11): work(394, 54, 7, 10)}
# The same calls under a sampler that drops every span: every metric point is
# recorded; the dropped call's span is the only one started, and its parts
# attach nothing (the 18 attaches are the call's own, one per reply event).
SAMPLED_OUT = {(2, 0, 11): work(261, 18, 2, 8, spans=1)}


def agent_call(loop: asyncio.AbstractEventLoop, stream: bool = False) -> Callable[[], None]:
    """One reply with one tool round of one agent, as a function of no argument."""
    agent = make_agent(model=ScriptedChatModel(stream=stream))

    def run() -> None:
        agent.state.context.clear()
        reply = loop.run_until_complete(call_with(agent, one_tool_round("w")))
        assert reply_text(reply) == "Done w"

    return run


@pytest.mark.parametrize("mode", MODES)
def test_work_per_call(traced, loop, mode: str) -> None:
    tables = {"recorded": RECORDED, "streamed": STREAMED, "sampled out": SAMPLED_OUT}
    calls = partial(agent_call, loop)
    assert_work_in_mode(mode, calls, AGENTSCOPE_VERSION, tables, traced)
