"""`gen_ai.conversation.id` on AgentScope 1.x: the run id names the calls.
The tests both lines share are in ``tests/lines/test_conversation.py``."""

from __future__ import annotations

import asyncio

import agentscope

from tests.lines.test_conversation import TWO_TOOL_ROUNDS, conversations, in_conversation
from tests.spantree import build_trees
from tests.v1.kit import call_with, make_agent, run_id, two_tool_rounds


def test_a_run_id_set_for_the_run_names_the_calls_started_after_it(traced) -> None:
    """``agentscope.init(run_id=...)`` sets ``_config.run_id``, a ContextVar:
    each call reads the run id of the context it starts in."""
    process_run_id = run_id()

    async def main() -> None:
        agentscope._config.run_id = "run-7"  # what agentscope.init(run_id="run-7") does
        await call_with(make_agent(), two_tool_rounds("Paris"))

    asyncio.run(main())

    assert run_id() == process_run_id  # the task's run id stayed in the task
    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, "run-7")
