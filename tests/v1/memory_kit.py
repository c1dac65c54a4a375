"""AgentScope 1.x long-term memories and plans, offline.

- ``offline_mem0()``: AgentScope's real ``Mem0LongTermMemory``, its methods
  unchanged, over ``OfflineMem0``, a stand-in for the ``mem0.AsyncMemory``
  client it drives (``add`` and ``search`` with mem0's call and answer
  shapes). The ``mem0ai`` package is not installed, and its client needs a
  model and an embedder to extract and search memories, so the memory is
  built without its ``__init__`` (which only makes that client).
- ``NotesMemory``: a minimal memory of the user's own, a
  ``LongTermMemoryBase`` subclass that keeps notes in a list.
- ``ToolScriptModel``: a model that calls the given tools, one per round,
  then answers; agents are real ``ReActAgent``s.
"""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

from agentscope.agent import ReActAgent
from agentscope.formatter import OpenAIChatFormatter
from agentscope.memory import LongTermMemoryBase, Mem0LongTermMemory
from agentscope.message import Msg, TextBlock, ToolUseBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.plan import PlanNotebook
from agentscope.tool import ToolResponse

from tests.v1.kit import usage


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


class OfflineMem0:
    """``mem0.AsyncMemory``'s ``add`` and ``search`` over a list: every
    message added is one memory; a search finds the memories sharing a word
    with the query. ``meet`` holds each search until as many are in flight;
    ``fail`` makes every call raise."""

    def __init__(self, memories: list[str] | None = None) -> None:
        self.memories = list(memories or [])
        self.config = SimpleNamespace(
            vector_store=SimpleNamespace(config=SimpleNamespace(collection_name="mem0"))
        )
        self.meet: asyncio.Barrier | None = None
        self.fail = False
        self.searches: list[str] = []

    async def add(self, messages: Any, **options: Any) -> dict[str, Any]:
        if self.fail:
            raise ConnectionError("memory service down")
        texts = [message["content"] for message in messages]
        start = len(self.memories)
        self.memories.extend(texts)
        return {
            "results": [
                {"id": f"mem-{start + n}", "memory": text, "event": "ADD"}
                for n, text in enumerate(texts)
            ]
        }

    async def search(self, query: str, limit: int = 100, **options: Any) -> dict[str, Any]:
        self.searches.append(query)
        if self.meet is not None:
            await self.meet.wait()
        if self.fail:
            raise ConnectionError("memory service down")
        wanted = _words(query)
        found = [memory for memory in self.memories if wanted & _words(memory)][:limit]
        return {"results": [{"memory": memory, "score": 1.0} for memory in found]}


def offline_mem0(memories: list[str] | None = None) -> Mem0LongTermMemory:
    """AgentScope's ``Mem0LongTermMemory`` for the user ``alice``, over ``OfflineMem0``."""
    memory = Mem0LongTermMemory.__new__(Mem0LongTermMemory)
    LongTermMemoryBase.__init__(memory)
    memory.agent_id = None
    memory.user_id = "alice"
    memory.run_id = None
    memory.default_memory_type = None
    memory.long_term_working_memory = OfflineMem0(memories)
    return memory


def mem0_client(memory: Mem0LongTermMemory) -> OfflineMem0:
    client = memory.long_term_working_memory
    assert isinstance(client, OfflineMem0)
    return client


class NotesMemory(LongTermMemoryBase):
    """A memory of the user's own: notes in a list, found by a shared word."""

    def __init__(self, notes: list[str] | None = None) -> None:
        super().__init__()
        self.notes = list(notes or [])

    async def record(self, msgs: list[Msg | None], **kwargs: Any) -> None:
        self.notes.extend(str(msg.content) for msg in msgs if msg is not None)

    async def retrieve(self, msg: Msg | list[Msg] | None, limit: int = 3, **kwargs: Any) -> str:
        msgs = msg if isinstance(msg, list) else [msg]
        wanted = set().union(*(_words(str(m.content)) for m in msgs if m is not None))
        return "\n".join([note for note in self.notes if wanted & _words(note)][:limit])


class ListingMemory(NotesMemory):
    """A memory of the user's own whose search returns its records as a list."""

    async def retrieve(  # type: ignore[override]
        self, msg: Msg | list[Msg] | None, limit: int = 3, **kwargs: Any
    ) -> list[str]:
        return list(self.notes[:limit])


class ToolScriptModel(ChatModelBase):
    """Calls each ``(tool, input)`` in turn, one per model call, then answers
    "Done"."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__(model_name="scripted-model", stream=False)
        self.calls = list(calls)
        self.made = 0

    async def __call__(self, messages: list[dict], *args: Any, **kwargs: Any) -> ChatResponse:
        self.made += 1
        if self.made > len(self.calls):
            return ChatResponse(content=[TextBlock(type="text", text="Done")], usage=usage())
        name, arguments = self.calls[self.made - 1]
        call = ToolUseBlock(type="tool_use", id=f"call-{self.made}", name=name, input=arguments)
        return ChatResponse(content=[call], usage=usage())


def make_agent(
    name: str,
    calls: list[tuple[str, dict[str, Any]]],
    memory: LongTermMemoryBase | None = None,
    mode: str = "agent_control",
    notebook: PlanNotebook | None = None,
) -> ReActAgent:
    """A ``ReActAgent`` whose model makes ``calls``, with a long-term memory
    in ``mode`` and a plan notebook, if given."""
    options: dict[str, Any] = {}
    if memory is not None:
        options.update(long_term_memory=memory, long_term_memory_mode=mode)
    return ReActAgent(
        name=name,
        sys_prompt="You remember things.",
        model=ToolScriptModel(calls),
        formatter=OpenAIChatFormatter(),
        plan_notebook=notebook,
        **options,
    )


def tool_text(response: ToolResponse) -> str:
    return "\n".join(block["text"] for block in response.content if block["type"] == "text")
