"""A fake xAI chat service over gRPC, for AgentScope 2.x's ``XAIChatModel``,
which talks to xAI through the ``xai_sdk`` package (gRPC, not HTTP).

``FakeXAI`` reuses ``FakeServer``'s thread, event loop, script and request
record, with a ``grpc.aio`` server on 127.0.0.1 in place of the aiohttp app.
It answers the two RPCs ``XAIChatModel`` calls: ``xai_api.Chat/GetCompletion``
(``stream=False``) and ``xai_api.Chat/GetCompletionChunk`` (``stream=True``).
The SDK reaches it without TLS with ``api_host=server.api_host`` plus
``use_insecure_channel=True`` (the model's ``client_kwargs``), or with
``api_host=server.localhost_api_host``, for which it picks local credentials.

Each call is recorded as a ``RecordedRequest``: ``path`` is the RPC's full
name, ``headers`` the call's metadata (``authorization`` included), and
``body`` the request as protobuf JSON with the proto's field names, so
``json()`` reads it and ``request_of()`` turns it back into the proto.

A ``Turn``'s ``HttpError`` is answered with the gRPC status of the same
meaning (429 as RESOURCE_EXHAUSTED, 503 as UNAVAILABLE...). The SDK's own
channel retries UNAVAILABLE up to 5 attempts, each a recorded request taking
a turn (``channel_options=[("grpc.enable_retries", 0)]`` turns that off).
``finish_reason`` takes xAI's enum names (``REASON_STOP``, ``REASON_TOOL_CALLS``,
``REASON_MAX_LEN``) or ``stop``, ``tool_calls``, ``length``. xAI counts
reasoning tokens apart from completion tokens, so ``completion_tokens`` is
``Usage.output_tokens`` less the reasoning tokens (AgentScope adds them back).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from google.protobuf import json_format
from xai_sdk.proto import chat_pb2, chat_pb2_grpc, sample_pb2, usage_pb2

from tests.providers.fake_server import FakeServer, HttpError, RecordedRequest, Turn

SERVICE = "xai_api.Chat"
COMPLETION_PATH = f"/{SERVICE}/GetCompletion"
STREAM_PATH = f"/{SERVICE}/GetCompletionChunk"
# Seconds a stopping server lets calls still running finish.
STOP_GRACE_SECONDS = 1.0

_STATUS_OF_HTTP: dict[int, grpc.StatusCode] = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    408: grpc.StatusCode.DEADLINE_EXCEEDED,
    409: grpc.StatusCode.ABORTED,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    499: grpc.StatusCode.CANCELLED,
    500: grpc.StatusCode.INTERNAL,
    501: grpc.StatusCode.UNIMPLEMENTED,
    502: grpc.StatusCode.UNAVAILABLE,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}

_SHORT_FINISH_REASONS: dict[str, str] = {
    "stop": "REASON_STOP",
    "end_turn": "REASON_STOP",
    "tool_calls": "REASON_TOOL_CALLS",
    "length": "REASON_MAX_LEN",
    "max_tokens": "REASON_MAX_LEN",
}


def grpc_status(error: HttpError) -> grpc.StatusCode:
    """The gRPC status that means what ``error``'s HTTP status means."""
    if error.status in _STATUS_OF_HTTP:
        return _STATUS_OF_HTTP[error.status]
    return grpc.StatusCode.INTERNAL if error.status >= 500 else grpc.StatusCode.UNKNOWN


def finish_reason_of(turn: Turn) -> int:
    name = _SHORT_FINISH_REASONS.get(turn.finish_reason, turn.finish_reason.upper())
    if not name.startswith("REASON_"):
        name = f"REASON_{name}"
    return sample_pb2.FinishReason.Value(name)


def usage_of(turn: Turn) -> usage_pb2.SamplingUsage:
    usage = turn.usage
    reasoning = usage.reasoning_tokens or 0
    completion = max(usage.output_tokens - reasoning, 0)
    return usage_pb2.SamplingUsage(
        prompt_tokens=usage.input_tokens,
        prompt_text_tokens=usage.input_tokens,
        cached_prompt_text_tokens=usage.cache_read_tokens or 0,
        completion_tokens=completion,
        reasoning_tokens=reasoning,
        total_tokens=usage.input_tokens + completion + reasoning,
    )


def _tool_calls(turn: Turn) -> list[chat_pb2.ToolCall]:
    return [
        chat_pb2.ToolCall(
            id=call.call_id,
            type=chat_pb2.ToolCallType.TOOL_CALL_TYPE_CLIENT_SIDE_TOOL,
            function=chat_pb2.FunctionCall(name=call.name, arguments=call.arguments),
        )
        for call in turn.tool_calls
    ]


def completion(turn: Turn) -> chat_pb2.GetChatCompletionResponse:
    message = chat_pb2.CompletionMessage(
        content=turn.text or "",
        role=chat_pb2.MessageRole.ROLE_ASSISTANT,
        tool_calls=_tool_calls(turn),
    )
    response = chat_pb2.GetChatCompletionResponse(
        id=turn.response_id,
        model=turn.model,
        system_fingerprint="fp_fake",
        usage=usage_of(turn),
        outputs=[
            chat_pb2.CompletionOutput(
                index=0, message=message, finish_reason=finish_reason_of(turn)
            )
        ],
    )
    response.created.GetCurrentTime()
    return response


def chunks(turn: Turn) -> list[chat_pb2.GetChatCompletionChunk]:
    """The chunks of a streamed completion: the text in two parts, the tool
    calls whole in one chunk (the SDK appends tool calls, it merges no parts),
    then the finish reason and the usage. Every delta names the assistant
    role: the SDK keeps the last chunk's role and reads only assistant ones."""
    deltas: list[chat_pb2.Delta] = []
    if turn.text:
        half = len(turn.text) // 2
        deltas += [
            chat_pb2.Delta(content=turn.text[:half]),
            chat_pb2.Delta(content=turn.text[half:]),
        ]
    if turn.tool_calls:
        deltas.append(chat_pb2.Delta(tool_calls=_tool_calls(turn)))
    deltas.append(chat_pb2.Delta())
    out: list[chat_pb2.GetChatCompletionChunk] = []
    for position, delta in enumerate(deltas):
        delta.role = chat_pb2.MessageRole.ROLE_ASSISTANT
        last = position == len(deltas) - 1
        chunk = chat_pb2.GetChatCompletionChunk(
            id=turn.response_id,
            model=turn.model,
            system_fingerprint="fp_fake",
            outputs=[
                chat_pb2.CompletionOutputChunk(
                    index=0, delta=delta, finish_reason=finish_reason_of(turn) if last else 0
                )
            ],
        )
        chunk.created.GetCurrentTime()
        if last:
            chunk.usage.CopyFrom(usage_of(turn))
        out.append(chunk)
    return out


def request_of(record: RecordedRequest) -> chat_pb2.GetCompletionsRequest:
    """The request proto of a recorded call."""
    return json_format.Parse(record.body, chat_pb2.GetCompletionsRequest())


class _ChatService(chat_pb2_grpc.ChatServicer):
    def __init__(self, server: FakeXAI) -> None:
        self._server = server

    async def GetCompletion(
        self, request: chat_pb2.GetCompletionsRequest, context: grpc.aio.ServicerContext
    ) -> chat_pb2.GetChatCompletionResponse:
        turn = await self._server.answer(COMPLETION_PATH, request, context)
        return completion(turn)

    async def GetCompletionChunk(
        self, request: chat_pb2.GetCompletionsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[chat_pb2.GetChatCompletionChunk]:
        turn = await self._server.answer(STREAM_PATH, request, context)
        for chunk in chunks(turn):
            yield chunk


class FakeXAI(FakeServer):
    """Give the SDK ``api_host`` (with ``use_insecure_channel=True``) or
    ``localhost_api_host``; any non-empty API key does."""

    def __init__(self) -> None:
        super().__init__([])
        self._grpc_server: grpc.aio.Server | None = None

    @property
    def api_host(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def localhost_api_host(self) -> str:
        return f"localhost:{self.port}"

    async def _start_app(self) -> None:
        server = grpc.aio.server()
        chat_pb2_grpc.add_ChatServicer_to_server(_ChatService(self), server)
        self.port = server.add_insecure_port(f"{self.host}:0")
        await server.start()
        self._grpc_server = server

    async def _stop_app(self) -> None:
        if self._grpc_server is not None:
            await self._grpc_server.stop(STOP_GRACE_SECONDS)

    async def answer(
        self,
        path: str,
        request: chat_pb2.GetCompletionsRequest,
        context: grpc.aio.ServicerContext,
    ) -> Turn:
        """Record the call and take the next turn; abort the call with its
        status when the turn is an error (``abort`` raises)."""
        metadata = context.invocation_metadata() or ()
        body = json_format.MessageToJson(request, preserving_proto_field_name=True)
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method="POST",
                    path=path,
                    query={},
                    headers={key: str(value) for key, value in metadata},
                    body=body.encode(),
                )
            )
        turn = self.next_turn()
        if turn.error is not None:
            await context.abort(grpc_status(turn.error), turn.error.message)
        return turn


__all__ = [
    "COMPLETION_PATH",
    "STREAM_PATH",
    "FakeXAI",
    "chunks",
    "completion",
    "grpc_status",
    "request_of",
]
