"""A fake DashScope speech server, the three wire formats AgentScope's
DashScope TTS classes speak through the ``dashscope`` SDK:

- HTTP: ``MultiModalConversation`` (the Qwen TTS models), a stream of SSE
  events each carrying a piece of the audio (base64 PCM) and the usage so
  far, then one with the finish reason, no audio and the audio's URL;
- websocket, ``/api-ws/v1/inference``: the CosyVoice ``SpeechSynthesizer``
  (``run-task`` / ``continue-task`` / ``finish-task`` commands; the audio in
  binary frames between ``task-started`` and ``task-finished``);
- websocket, ``/api-ws/v1/realtime?model=...``: ``QwenTtsRealtime``
  (``session.update``, ``input_text_buffer.append``, ``commit``,
  ``session.finish``; the audio in ``response.audio.delta`` events).

Every answer is the same audio, ``PCM`` in ``PIECES``. A turn's error makes
the HTTP answer that status and DashScope's error body, a CosyVoice task a
``task-failed`` event, and a realtime session an ``error`` event before the
server closes it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.providers.dashscope_server import ERROR_CODES, MULTIMODAL_GENERATION_PATH, error_response
from tests.providers.fake_server import FakeServer, RecordedRequest, Turn, send_sse

INFERENCE_PATH = "/api-ws/v1/inference"
REALTIME_PATH = "/api-ws/v1/realtime"

# A quarter of a second of 24 kHz, 16-bit, mono PCM (what DashScope's TTS
# models send), in pieces whose sizes are not a multiple of 3: each piece's
# base64 ends in padding.
SAMPLE_RATE = 24000
PCM = bytes(range(256)) * 46 + bytes(range(224))
PIECES = (PCM[:4000], PCM[4000:8000], PCM[8000:])
assert len(PCM) == 12000 and all(len(piece) % 3 for piece in PIECES)


def pieces_base64() -> list[str]:
    return [base64.b64encode(piece).decode() for piece in PIECES]


class FakeDashScopeAudio(FakeServer):
    """``base_url`` is the SDK's ``dashscope.base_http_api_url``,
    ``websocket_url`` its ``dashscope.base_websocket_api_url`` and
    ``realtime_url`` what ``QwenTtsRealtime(url=...)`` is given. The
    websocket messages each client sent are kept, in order, per
    connection."""

    def __init__(self) -> None:
        super().__init__(
            [
                ("POST", MULTIMODAL_GENERATION_PATH, self._generation),
                ("GET", INFERENCE_PATH, self._cosyvoice),
                ("GET", REALTIME_PATH, self._realtime),
            ]
        )
        self.sessions: list[list[Any]] = []

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/v1"

    @property
    def websocket_url(self) -> str:
        return f"ws://{self.host}:{self.port}{INFERENCE_PATH}"

    @property
    def realtime_url(self) -> str:
        return f"ws://{self.host}:{self.port}{REALTIME_PATH}"

    def connections_to(self, path: str) -> list[RecordedRequest]:
        return self.requests_to(path)

    # -- HTTP ---------------------------------------------------------------------

    async def _generation(self, request: web.Request) -> web.StreamResponse:
        await request.json()
        turn = self.next_turn()
        if turn.error is not None:
            return error_response(turn)
        events = [("result", event) for event in tts_events(turn)]
        return await send_sse(request, events)

    # -- CosyVoice ----------------------------------------------------------------

    async def _cosyvoice(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        received: list[Any] = []
        with self._lock:
            self.sessions.append(received)
        turn: Turn | None = None
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                break
            command = json.loads(message.data)
            received.append(command)
            action = command["header"]["action"]
            task_id = command["header"]["task_id"]
            if action == "run-task":
                turn = self.next_turn()
                if turn.error is not None:
                    await socket.send_str(_task_failed(task_id, turn))
                    break
                await socket.send_str(_task_event("task-started", task_id))
            elif action == "finish-task":
                for piece in PIECES:
                    await socket.send_bytes(piece)
                    await socket.send_str(_task_event("result-generated", task_id))
                await socket.send_str(_task_event("task-finished", task_id))
                break
        await socket.close()
        return socket

    # -- Qwen TTS realtime --------------------------------------------------------

    async def _realtime(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        received: list[Any] = []
        with self._lock:
            self.sessions.append(received)
        await socket.send_json({"type": "session.created", "session": {"id": "sess_1"}})
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                break
            event = json.loads(message.data)
            received.append(event)
            kind = event["type"]
            if kind == "session.update":
                await socket.send_json({"type": "session.updated", "session": event["session"]})
            elif kind == "session.finish":
                turn = self.next_turn()
                if turn.error is not None:
                    await socket.send_json(_realtime_error(turn))
                    break
                for event_out in realtime_events(turn):
                    await socket.send_json(event_out)
                break
        await socket.close()
        return socket


def usage_of(turn: Turn) -> dict[str, Any]:
    """A TTS model's usage: the text's tokens in, the audio's tokens out."""
    usage = turn.usage
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "input_tokens_details": {"text_tokens": usage.input_tokens},
        "output_tokens_details": {"audio_tokens": usage.output_tokens, "text_tokens": 0},
    }


def tts_events(turn: Turn) -> list[dict[str, Any]]:
    """The events of a streamed synthesis: one per piece of audio, then the
    last with no audio, its URL and the finish reason."""
    audio_id = f"audio_{turn.response_id}"

    def event(data: str, finish_reason: str, url: str = "") -> dict[str, Any]:
        audio = {"data": data, "id": audio_id, "expires_at": 1767225600, "url": url}
        return {
            "output": {"finish_reason": finish_reason, "audio": audio},
            "usage": usage_of(turn),
            "request_id": turn.response_id,
        }

    events = [event(data, "null") for data in pieces_base64()]
    events.append(event("", "stop", url=f"https://audio.invalid/{audio_id}.wav"))
    return events


def _task_event(name: str, task_id: str) -> str:
    header = {"task_id": task_id, "event": name, "attributes": {}}
    payload: dict[str, Any] = {}
    if name in ("result-generated", "task-finished"):
        payload = {"output": {"sentence": {"words": []}}, "usage": {"characters": 15}}
    return json.dumps({"header": header, "payload": payload})


def _task_failed(task_id: str, turn: Turn) -> str:
    assert turn.error is not None
    header = {
        "task_id": task_id,
        "event": "task-failed",
        "error_code": ERROR_CODES.get(turn.error.status, "Unknown"),
        "error_message": turn.error.message,
        "attributes": {},
    }
    return json.dumps({"header": header, "payload": {}})


def realtime_events(turn: Turn) -> list[dict[str, Any]]:
    response_id = turn.response_id
    events: list[dict[str, Any]] = [
        {"type": "input_text_buffer.committed", "item_id": "item_1"},
        {"type": "response.created", "response": {"id": response_id}},
    ]
    events += [
        {"type": "response.audio.delta", "response_id": response_id, "delta": data}
        for data in pieces_base64()
    ]
    events += [
        {"type": "response.audio.done", "response_id": response_id},
        {
            "type": "response.done",
            "response": {"id": response_id, "status": "completed", "usage": {"characters": 15}},
        },
        {"type": "session.finished"},
    ]
    return events


def _realtime_error(turn: Turn) -> dict[str, Any]:
    assert turn.error is not None
    code = ERROR_CODES.get(turn.error.status, "Unknown")
    return {"type": "error", "error": {"code": code, "message": turn.error.message}}


__all__ = [
    "INFERENCE_PATH",
    "MULTIMODAL_GENERATION_PATH",
    "PCM",
    "PIECES",
    "REALTIME_PATH",
    "SAMPLE_RATE",
    "FakeDashScopeAudio",
]
