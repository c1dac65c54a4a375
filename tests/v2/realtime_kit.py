"""A 2.x ``RealtimeAgent`` with a scripted realtime model and a transport
that carries no audio: AgentScope's realtime models speak over websockets
to their providers, so the simplest real path is a ``RealtimeModelBase``
subclass that answers each text turn from a script."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from agentscope.credential import OpenAICredential
from agentscope.realtime import _events as model_events
from agentscope.realtime._base import RealtimeModelBase
from agentscope.realtime._model_card import RealtimeModelCard
from agentscope.realtime._playout import PlayoutPosition
from agentscope.realtime._transport._base import TransportBase

RATE = 16000


class ScriptedRealtimeModel(RealtimeModelBase):
    """Answers every text turn with one response: ``answer``'s words as
    transcript deltas, then the usage."""

    supports_text_input = True

    def __init__(
        self, answer: str = "Sunny in Oslo", usage: tuple[int, int] = (12, 5), fail: bool = False
    ) -> None:
        card = RealtimeModelCard(
            name="scripted-realtime",
            label="Scripted",
            input_sample_rate=RATE,
            output_sample_rate=RATE,
        )
        super().__init__("scripted-realtime", OpenAICredential(api_key="sk-test"), model_card=card)
        self.answer = answer
        self.usage = usage
        self.responses = 0
        # Report a provider error in the middle of each response.
        self.fail = fail
        self._events: asyncio.Queue[Any] = asyncio.Queue()

    async def connect(self, instructions: str, tools: Any = None, **kwargs: Any) -> None:
        return None

    async def close(self) -> None:
        await self._events.put(None)

    async def events(self) -> AsyncIterator[Any]:
        while (event := await self._events.get()) is not None:
            yield event

    async def push_audio(self, pcm: bytes) -> None:
        return None

    async def push_text(self, text: str) -> None:
        self.responses += 1
        item = f"resp-{self.responses}"
        await self._events.put(model_events.ResponseCreatedEvent(item_id=item))
        for word in self.answer.split(" "):
            await self._events.put(model_events.TranscriptDeltaEvent(item_id=item, delta=word))
        if self.fail:
            error = model_events.ModelErrorEvent(code="server_error", message="overloaded")
            await self._events.put(error)
            return
        done = model_events.ResponseDoneEvent(
            item_id=item, input_tokens=self.usage[0], output_tokens=self.usage[1]
        )
        await self._events.put(done)

    async def push_tool_result(self, block: Any) -> None:
        return None

    async def commit_turn(self) -> None:
        return None

    async def request_response(self) -> None:
        return None

    async def cancel_response(self) -> None:
        return None


class SilentTransport(TransportBase):
    """A client that sends no audio and hangs up when told to."""

    def __init__(self, rate: int = RATE) -> None:
        self.input_sample_rate = self.output_sample_rate = rate
        self.hang_up = asyncio.Event()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self.hang_up.set()

    async def incoming(self) -> AsyncIterator[Any]:
        await self.hang_up.wait()
        return
        yield

    async def send_audio(self, pcm: bytes, item_id: str) -> None:
        return None

    async def clear_audio(self) -> PlayoutPosition:
        return PlayoutPosition(item_id="")

    def playout(self) -> PlayoutPosition:
        return PlayoutPosition(item_id="")
