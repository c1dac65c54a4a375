"""What the shared A2A tests (``tests/lines/test_a2a.py``) need of AgentScope
2.x and a2a-sdk 1.x. Import it only after ``pytest.importorskip("a2a")``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.client.base_client import BaseClient
from a2a.types import Message, Part, Role, SendMessageRequest, TaskState
from a2a.utils.errors import UnsupportedOperationError
from agentscope.agent import A2AAgent
from agentscope.message import Msg, UserMsg

from otelscope.agentscope_v2 import readers
from tests.a2a_server import card

# The ways an application calls an A2AAgent: 2.x wraps both.
ENTRIES = ["reply", "reply_stream"]
# What the SDK raises when the server answers with a JSON-RPC error, and its
# ``error.type``.
JSON_RPC_ERROR = UnsupportedOperationError
JSON_RPC_ERROR_TYPE = "a2a.utils.errors.UnsupportedOperationError"
# The state the SDK's last item names when the task completed.
SDK_COMPLETED = TaskState.TASK_STATE_COMPLETED
# What otelscope patches (at least) while instrumented.
PATCHED = {
    "send_message",
    "get_task",
    "subscribe",
    "send",
    "A2AAgent.reply",
    "A2AAgent.reply_stream",
}


def remote_agent(
    url: str, streaming: bool = True, http: httpx.AsyncClient | None = None
) -> A2AAgent:
    """An ``A2AAgent`` of the agent served at ``url``."""
    agent_card = card(f"{url}/", streaming)
    if streaming and http is None:
        return A2AAgent(agent_card)
    config = ClientConfig(streaming=streaming, httpx_client=http)
    return A2AAgent(agent_card, client=ClientFactory(config).create(agent_card))


def opened(agent: A2AAgent) -> A2AAgent:
    """Where ``agent`` may be called: a 2.x A2AAgent is an async context manager."""
    return agent


async def call(agent: A2AAgent, entry: str, question: str = "Weather in paris?") -> Msg:
    """One call through ``entry``: its final message."""
    inputs = UserMsg(name="user", content=question)
    if entry == "reply":
        return await agent.reply(inputs)
    items = [item async for item in agent.reply_stream(inputs, yield_final_msg=True)]
    assert isinstance(items[-1], Msg)
    return items[-1]


def agent_id(agent: A2AAgent) -> str:
    """The ``gen_ai.agent.id`` of ``agent``'s calls."""
    return readers.agent_id(agent)


def assert_unsupported_operation(error: BaseException) -> None:
    """The error the server's "unsupported operation" answer raised: 2.x's
    SDK raises the error's own class."""
    assert isinstance(error, UnsupportedOperationError)


async def send_with_the_sdk(
    url: str, message_id: str, text: str, within: Callable[[], AbstractContextManager[Any]]
) -> Any:
    """Send ``text`` as message ``message_id`` with the SDK's own client, no
    agent involved, inside ``within()``: the state of the task the last item
    names."""
    client = ClientFactory(ClientConfig()).create(card(f"{url}/"))
    message = Message(message_id=message_id, role=Role.ROLE_USER, parts=[Part(text=text)])
    try:
        with within():
            request = SendMessageRequest(message=message)
            items = [item async for item in client.send_message(request)]
    finally:
        await client.close()
    return items[-1].status_update.status.state


def patched_members() -> list[tuple[str, Any]]:
    """The members otelscope may patch, by name."""
    return [
        *vars(BaseClient).items(),
        ("send", httpx.AsyncClient.send),
        ("A2AAgent.reply", A2AAgent.reply),
        ("A2AAgent.reply_stream", A2AAgent.reply_stream),
    ]
