"""A fake OpenAI Realtime server: a websocket at ``/v1/realtime`` speaking the
Realtime API's events, for AgentScope's ``OpenAIRealtimeModel`` over loopback.

It answers what the client sends with the next ``Turn`` of its script:

- audio (``input_audio_buffer.append``): the voice activity detection's
  ``speech_started`` / ``speech_stopped`` for one utterance, its
  transcription, then a response;
- a user message or a tool's output (``conversation.item.create``): a
  response, as AgentScope 1.x expects (it never asks for one);
- with ``on_request=True``, as the Realtime API does and AgentScope 2.x
  expects, items only join the conversation and ``response.create`` asks
  for the response.

A response is ``response.created``, then the turn's tool calls (arguments in
two deltas, then done) or its text (transcript and audio deltas), then
``response.done`` with the turn's usage. A turn with an ``error`` stops after
its first transcript delta with an ``error`` event (code ``ERROR_CODE``)
instead of ``response.done``; one with an ``error`` and no text is that ``error`` event
alone, with no response. Every client message is recorded.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.providers.fake_server import FakeServer, Turn

REALTIME_PATH = "/v1/realtime"
SESSION_ID = "sess-fake-1"
ERROR_CODE = "server_overloaded"
ERROR_TYPE = "server_error"
# What each response's audio delta carries: 0.01 s of 24 kHz 16-bit silence.
AUDIO_DELTA = base64.b64encode(b"\x00\x00" * 240).decode()


class FakeOpenAIRealtime(FakeServer):
    def __init__(self, on_request: bool = False) -> None:
        super().__init__([("GET", REALTIME_PATH, self._socket)])
        self._answers = "response.create" if on_request else "conversation.item.create"
        # What the client sent, parsed, in order.
        self.messages: list[dict[str, Any]] = []
        self._utterances = 0

    @property
    def base_url(self) -> str:
        """What a 2.x ``OpenAICredential`` is given (``.../v1``)."""
        return f"{self.origin}/v1"

    def url(self, model: str) -> str:
        """The socket's address, for a 1.x model's ``websocket_url``."""
        return f"ws://{self.host}:{self.port}{REALTIME_PATH}?model={model}"

    def sent(self, kind: str) -> list[dict[str, Any]]:
        return [message for message in self.messages if message.get("type") == kind]

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "session.created", "session": {"id": SESSION_ID}})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            self.messages.append(data)
            for event in self._answer(data):
                await socket.send_json(event)
        return socket

    def _answer(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        kind = data.get("type")
        if kind == "session.update":
            return [{"type": "session.updated", "session": {"id": SESSION_ID}}]
        if kind == "input_audio_buffer.append":
            return [*self._utterance(), *_response(self.next_turn())]
        if kind == self._answers:
            return _response(self.next_turn())
        return []

    def _utterance(self) -> list[dict[str, Any]]:
        self._utterances += 1
        item = f"item-user-{self._utterances}"
        return [
            {"type": "input_audio_buffer.speech_started", "item_id": item, "audio_start_ms": 0},
            {"type": "input_audio_buffer.speech_stopped", "item_id": item, "audio_end_ms": 800},
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item,
                "transcript": "what is the weather",
            },
        ]


def _response(turn: Turn) -> list[dict[str, Any]]:
    if turn.error is not None and not turn.text:
        # An error about what the client sent: no response at all.
        return [_error(turn)]
    rid = turn.response_id
    item = f"item-{rid}"
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": rid}},
        {"type": "response.output_item.added", "item": {"id": item}},
    ]
    for call in turn.tool_calls:
        half = len(call.arguments) // 2
        for delta in (call.arguments[:half], call.arguments[half:]):
            events.append(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item,
                    "call_id": call.call_id,
                    "name": call.name,
                    "delta": delta,
                }
            )
        events.append(
            {
                "type": "response.function_call_arguments.done",
                "item_id": item,
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
    # The transcript in pieces: each word after the first with its space.
    words = [f" {word}" for word in turn.text.split(" ")] if turn.text else []
    if words:
        words[0] = words[0][1:]
    for word in words:
        events.append(
            {"type": "response.output_audio_transcript.delta", "item_id": item, "delta": word}
        )
        if turn.error is not None:
            return [*events, _error(turn)]
        events.append(
            {"type": "response.output_audio.delta", "item_id": item, "delta": AUDIO_DELTA}
        )
    if words:
        events.append({"type": "response.output_audio.done", "item_id": item})
        events.append({"type": "response.output_audio_transcript.done", "item_id": item})
    usage = {"input_tokens": turn.usage.input_tokens, "output_tokens": turn.usage.output_tokens}
    events.append({"type": "response.done", "response": {"id": rid, "usage": usage}})
    return events


def _error(turn: Turn) -> dict[str, Any]:
    assert turn.error is not None
    error = {"type": ERROR_TYPE, "code": ERROR_CODE, "message": turn.error.message}
    return {"type": "error", "error": error}
