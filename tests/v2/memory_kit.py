"""AgentScope 2.x long-term memory, offline: AgentScope's real
``Mem0Middleware`` and ``ReMeMiddleware``, each over a stand-in for the
backend it drives. ``Mem0Middleware`` takes a pre-built client (here
``OfflineMem0``, with ``mem0.AsyncMemory``'s ``add`` and ``search`` call and
answer shapes; ``mem0ai`` is not installed, and its client needs a model and
an embedder). ``ReMeMiddleware`` builds its ``reme`` app lazily; it is given
``OfflineReMe`` (the app's ``start`` and ``run_job``) in its place."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

from agentscope.agent import Agent
from agentscope.middleware import Mem0Middleware, ReMeMiddleware
from agentscope.tool import Toolkit

from tests.v2.kit import CallTool, OwnScriptChatModel, Script, Step, make_agent


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


class OfflineMem0:
    """``mem0.AsyncMemory``'s ``add`` and ``search`` over a list. Every
    message added is one memory (none when ``extract`` is off and mem0 would
    infer); a search finds those sharing a word with the query. ``meet``
    holds each search until as many are in flight; ``fail`` makes every
    call raise."""

    def __init__(self, memories: list[str] | None = None, extract: bool = True) -> None:
        self.memories = list(memories or [])
        self.extract = extract
        self.config = SimpleNamespace(
            vector_store=SimpleNamespace(config=SimpleNamespace(collection_name="mem0"))
        )
        self.meet: asyncio.Barrier | None = None
        self.fail = False
        self.adds: list[dict[str, Any]] = []

    async def add(self, messages: Any, **options: Any) -> dict[str, Any]:
        self.adds.append({"messages": messages, **options})
        if self.fail:
            raise ConnectionError("memory service down")
        if not self.extract and options.get("infer", True):
            return {"results": []}
        texts = [message["content"] for message in messages]
        self.memories.extend(texts)
        return {"results": [{"memory": text, "event": "ADD"} for text in texts]}

    async def search(self, query: str, top_k: int = 100, **options: Any) -> dict[str, Any]:
        if self.meet is not None:
            await self.meet.wait()
        if self.fail:
            raise ConnectionError("memory service down")
        wanted = _words(query)
        found = [memory for memory in self.memories if wanted & _words(memory)][:top_k]
        return {"results": [{"memory": memory, "score": 1.0} for memory in found]}


def mem0_middleware(client: OfflineMem0, mode: str = "agent_control") -> Mem0Middleware:
    return Mem0Middleware(user_id="alice", client=client, mode=mode)  # type: ignore[arg-type]


class OfflineReMe:
    """The ``reme`` app's ``start`` and ``run_job``: ``search`` answers the
    memories sharing a word with the query; ``auto_memory`` keeps the messages."""

    def __init__(self, memories: list[str] | None = None) -> None:
        self.memories = list(memories or [])
        self.jobs: list[tuple[str, dict[str, Any]]] = []
        self.fail = False

    async def start(self) -> None:
        pass

    async def run_job(self, name: str, **options: Any) -> Any:
        self.jobs.append((name, options))
        if self.fail:
            raise ConnectionError("memory service down")
        if name == "search":
            wanted = _words(options["query"])
            found = [memory for memory in self.memories if wanted & _words(memory)]
            results = [{"content": memory} for memory in found[: options["limit"]]]
            return SimpleNamespace(success=True, metadata={"results": results}, answer="")
        return SimpleNamespace(success=True, metadata={}, answer="")


def reme_middleware(app: OfflineReMe, mode: str = "static_control") -> ReMeMiddleware:
    middleware = ReMeMiddleware(parameters=ReMeMiddleware.Parameters(mode=mode))
    middleware._app = app
    return middleware


async def make_keeper(
    middleware: Any, calls: list[tuple[str, dict[str, Any]]], name: str = "Keeper"
) -> Agent:
    """An agent with ``middleware``, whose model makes ``calls`` (tool, input)
    one per round and then answers "Done"."""
    steps: list[Step] = [CallTool(name=tool, arguments=arguments) for tool, arguments in calls]
    script = Script(name, [*steps, Step(text="Done")])
    return make_agent(
        name=name,
        model=OwnScriptChatModel(script),
        toolkit=Toolkit(tools=await middleware.list_tools()),
        middlewares=[middleware],
    )
