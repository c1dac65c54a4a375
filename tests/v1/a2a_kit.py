"""What the shared A2A tests (``tests/lines/test_a2a.py``) need of AgentScope
1.x and a2a-sdk 0.x. Import it only after ``pytest.importorskip("a2a")``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, nullcontext
from typing import Any

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.client.base_client import BaseClient
from a2a.client.errors import A2AClientJSONRPCError
from a2a.client.helpers import create_text_message_object
from agentscope.agent import A2AAgent
from agentscope.message import Msg

from tests.a2a_server import UNSUPPORTED_OPERATION, card

# The ways an application calls an A2AAgent: 1.x agents are called.
ENTRIES = ["call"]
# What the SDK raises when the server answers with a JSON-RPC error, and its
# ``error.type``.
JSON_RPC_ERROR = A2AClientJSONRPCError
JSON_RPC_ERROR_TYPE = "a2a.client.errors.A2AClientJSONRPCError"
# The state the SDK's last item names when the task completed.
SDK_COMPLETED = "completed"
# What otelscope patches (at least) while instrumented.
PATCHED = {"send_message", "get_task", "cancel_task", "send"}


def remote_agent(
    url: str, streaming: bool = True, http: httpx.AsyncClient | None = None
) -> A2AAgent:
    """An ``A2AAgent`` of the agent served at ``url``."""
    config = None if http is None else ClientConfig(httpx_client=http)
    return A2AAgent(card(f"{url}/", streaming), client_config=config)


def opened(agent: A2AAgent) -> AbstractAsyncContextManager[Any]:
    """Where ``agent`` may be called: a 1.x A2AAgent needs no opening."""
    return nullcontext()


async def call(agent: A2AAgent, entry: str, question: str = "Weather in paris?") -> Msg:
    """One call through ``entry``: its reply."""
    assert entry == "call"
    return await agent(Msg("user", question, "user"))


def agent_id(agent: A2AAgent) -> str:
    """The ``gen_ai.agent.id`` of ``agent``'s calls."""
    return agent.id


def assert_unsupported_operation(error: BaseException) -> None:
    """The error the server's "unsupported operation" answer raised."""
    assert isinstance(error, A2AClientJSONRPCError)
    assert error.error.code == UNSUPPORTED_OPERATION


async def send_with_the_sdk(
    url: str, message_id: str, text: str, within: Callable[[], AbstractContextManager[Any]]
) -> Any:
    """Send ``text`` as message ``message_id`` with the SDK's own client, no
    agent involved, inside ``within()``: the state of the task the last item
    names."""
    http = httpx.AsyncClient(timeout=60, trust_env=False)
    client = ClientFactory(ClientConfig(httpx_client=http)).create(card(f"{url}/"))
    message = create_text_message_object(content=text)
    message.message_id = message_id
    with within():
        items = [item async for item in client.send_message(message)]
    return items[-1][0].status.state.value


def patched_members() -> list[tuple[str, Any]]:
    """The members otelscope may patch, by name."""
    return [*vars(BaseClient).items(), ("send", httpx.AsyncClient.send)]
