"""otelscope's work per AgentScope 1.x agent call, counted exactly.

One call of one ``ReActAgent`` with one tool round (six spans), on a memory
cleared before each call so every call formats the same prompt. The counts
are those of ``tests.work_counts``; a change that makes otelscope do more
per call fails here, and its author sets the new figures knowingly. Timed
figures are in ``make bench``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

import pytest

from tests.v1.kit import (
    AGENTSCOPE_VERSION,
    ScriptedChatModel,
    call_with,
    make_agent,
    one_tool_round,
)
from tests.work_counts import MODES, assert_work_in_mode, work

# Per AgentScope release: 1.0.21 suspends an agent call twice more than
# 1.0.8, and each resumption enters otelscope's traced coroutines again.
RECORDED = {(1, 0, 21): work(285, 15, 5, 8), (1, 0, 8): work(281, 15, 5, 8)}
STREAMED = {(1, 0, 21): work(317, 21, 7, 10), (1, 0, 8): work(317, 21, 7, 10)}
# The same calls under a sampler that drops every span: every metric point is
# recorded; the dropped call's span is the only one started, its parts attach
# nothing, and its two remaining attribute calls are the SDK's no-ops.
SAMPLED_OUT = {
    (1, 0, 21): work(223, 1, 2, 8, spans=1),
    (1, 0, 8): work(219, 1, 2, 8, spans=1),
}


def agent_call(loop: asyncio.AbstractEventLoop, stream: bool = False) -> Callable[[], None]:
    """One call with one tool round on one agent, as a function of no argument."""
    agent = make_agent(model=ScriptedChatModel(stream=stream))
    agent.set_console_output_enabled(False)

    def run() -> None:
        loop.run_until_complete(agent.memory.clear())
        reply = loop.run_until_complete(call_with(agent, one_tool_round("w")))
        assert reply.get_text_content() == "Done w"

    return run


@pytest.mark.parametrize("mode", MODES)
def test_work_per_call(traced, loop, mode: str) -> None:
    tables = {"recorded": RECORDED, "streamed": STREAMED, "sampled out": SAMPLED_OUT}
    calls = partial(agent_call, loop)
    assert_work_in_mode(mode, calls, AGENTSCOPE_VERSION, tables, traced)
