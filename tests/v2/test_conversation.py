"""`gen_ai.conversation.id` on AgentScope 2.x: the session id of the agent's
state names its calls. The tests both lines share are in
``tests/lines/test_conversation.py``."""

from __future__ import annotations

import asyncio

from tests.lines.test_conversation import TWO_TOOL_ROUNDS, conversations, in_conversation
from tests.spantree import build_trees
from tests.v2.kit import call_with, make_agent, two_tool_rounds


def test_a_session_id_set_on_the_agent_names_its_calls(traced) -> None:
    agent = make_agent()
    agent.state.session_id = "session-7"
    asyncio.run(call_with(agent, two_tool_rounds("Paris")))

    [root] = build_trees(traced.spans())
    assert conversations(root) == in_conversation(TWO_TOOL_ROUNDS, "session-7")
