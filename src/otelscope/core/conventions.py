"""Names from the OpenTelemetry GenAI semantic conventions (release 1.41).

Only this module spells attribute keys and operation names, so a rename in the
conventions is a one-line change here.
"""

from __future__ import annotations

from typing import Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as _gen_ai
from opentelemetry.semconv._incubating.attributes import jsonrpc_attributes as _jsonrpc
from opentelemetry.semconv._incubating.attributes import mcp_attributes as _mcp
from opentelemetry.semconv.attributes import network_attributes as _network

# Operation names (`gen_ai.operation.name`).
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_CHAT: Final = "chat"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_REACT: Final = "react"
OP_EMBEDDINGS: Final = "embeddings"
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"

WORKFLOW_NAME: Final = "gen_ai.workflow.name"

# Span name of one reasoning-acting round; the conventions give it no model or
# tool suffix because a round is not a call to a named thing.
REACT_STEP_SPAN_NAME: Final = "react step"

OPERATION_NAME: Final = "gen_ai.operation.name"
PROVIDER_NAME: Final = "gen_ai.provider.name"

CONVERSATION_ID: Final = "gen_ai.conversation.id"

AGENT_NAME: Final = "gen_ai.agent.name"
AGENT_DESCRIPTION: Final = _gen_ai.GEN_AI_AGENT_DESCRIPTION
AGENT_VERSION: Final = _gen_ai.GEN_AI_AGENT_VERSION
AGENT_ID: Final = "gen_ai.agent.id"

REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
REQUEST_TOP_P: Final = "gen_ai.request.top_p"
REQUEST_STREAM: Final = "gen_ai.request.stream"

REQUEST_SEED: Final = "gen_ai.request.seed"
REQUEST_STOP_SEQUENCES: Final = "gen_ai.request.stop_sequences"
REQUEST_CHOICE_COUNT: Final = "gen_ai.request.choice.count"
REQUEST_FREQUENCY_PENALTY: Final = "gen_ai.request.frequency_penalty"
REQUEST_PRESENCE_PENALTY: Final = "gen_ai.request.presence_penalty"
REQUEST_TOP_K: Final = "gen_ai.request.top_k"
REQUEST_ENCODING_FORMATS: Final = "gen_ai.request.encoding_formats"
OUTPUT_TYPE: Final = "gen_ai.output.type"
OUTPUT_TYPE_TEXT: Final = "text"
OUTPUT_TYPE_JSON: Final = "json"

RESPONSE_ID: Final = "gen_ai.response.id"
RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
RESPONSE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.response.time_to_first_chunk"

USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
# Already counted in `gen_ai.usage.output_tokens`.
USAGE_REASONING_OUTPUT_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"
# Both are already counted in `gen_ai.usage.input_tokens`.
USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
USAGE_CACHE_CREATION_INPUT_TOKENS: Final = "gen_ai.usage.cache_creation.input_tokens"

# The conventions' finish reasons; a provider's own values are mapped to them
# where they mean the same, and kept as they are otherwise.
FINISH_STOP: Final = "stop"
FINISH_LENGTH: Final = "length"
FINISH_CONTENT_FILTER: Final = "content_filter"
FINISH_TOOL_CALL: Final = "tool_call"
FINISH_ERROR: Final = "error"

# The endpoint a model call reached (the general `server.*` and HTTP keys).
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
HTTP_RESPONSE_STATUS_CODE: Final = "http.response.status_code"
# The status code (an int) of a failed call made over gRPC.
RPC_GRPC_STATUS_CODE: Final = "rpc.grpc.status_code"
# otelscope's own: how many HTTP requests the provider's SDK sent for one model
# call, retries included (1 when nothing was retried).
REQUEST_ATTEMPTS: Final = "otelscope.request.attempts"

# otelscope's own roll-up of the tokens used by every model call inside an
# agent call or a ReAct round (nested agents included). Named apart from
# `gen_ai.usage.*`, which a backend would otherwise add to the children's.
ROLLUP_INPUT_TOKENS: Final = "otelscope.usage.input_tokens"
ROLLUP_OUTPUT_TOKENS: Final = "otelscope.usage.output_tokens"

# How an AgentScope 1.x formatter prepared a chat call's input, on the chat
# span (the conventions have no formatting step): the formatter's class, the
# messages it was given, and how many of them its truncation removed.
FORMATTER_NAME: Final = "otelscope.formatter.name"
FORMATTER_INPUT_MESSAGES: Final = "otelscope.formatter.input_messages"
FORMATTER_TRUNCATED_MESSAGES: Final = "otelscope.formatter.truncated_messages"

TOKEN_TYPE: Final = "gen_ai.token.type"
TOKEN_TYPE_INPUT: Final = "input"
TOKEN_TYPE_OUTPUT: Final = "output"

EMBEDDINGS_DIMENSION_COUNT: Final = "gen_ai.embeddings.dimension.count"

TOOL_NAME: Final = "gen_ai.tool.name"
TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
TOOL_TYPE: Final = "gen_ai.tool.type"
TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
TOOL_TYPE_FUNCTION: Final = "function"

REACT_ROUND: Final = "gen_ai.react.round"
REACT_FINISH_REASON: Final = "gen_ai.react.finish_reason"
REACT_FINISH_TOOL_CALLS: Final = "tool_calls"
REACT_FINISH_STOP: Final = "stop"

# Metrics.
METRIC_OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
METRIC_TOKEN_USAGE: Final = "gen_ai.client.token.usage"
METRIC_TIME_TO_FIRST_CHUNK: Final = "gen_ai.client.operation.time_to_first_chunk"
METRIC_INVOKE_AGENT_DURATION: Final = "gen_ai.invoke_agent.duration"
METRIC_EXECUTE_TOOL_DURATION: Final = "gen_ai.execute_tool.duration"
METRIC_WORKFLOW_DURATION: Final = "gen_ai.workflow.duration"

# The conventions' recommended explicit bucket boundaries.
DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
AGENT_DURATION_BUCKETS: Final = (
    0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
)  # fmt: skip
WORKFLOW_DURATION_BUCKETS: Final = (
    1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200,
)  # fmt: skip
TOKEN_BUCKETS: Final = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip

# Message content (recorded only when capture is switched on).
INPUT_MESSAGES: Final = "gen_ai.input.messages"
OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
EVENT_INFERENCE_DETAILS: Final = "gen_ai.client.inference.operation.details"

ERROR_TYPE: Final = "error.type"
# `error.type` of an operation that was cancelled (task cancel, interrupt,
# timeout) rather than failed: low-cardinality and distinct from any exception.
ERROR_TYPE_CANCELLED: Final = "cancelled"
# `error.type` of a tool whose failure the framework turned into a result.
ERROR_TYPE_TOOL_ERROR: Final = "tool_error"

# Model Context Protocol (the GenAI conventions' MCP page): on the
# `execute_tool` span of a tool an MCP server runs.
MCP_METHOD_NAME: Final = _mcp.MCP_METHOD_NAME
MCP_METHOD_TOOLS_CALL: Final = "tools/call"
MCP_PROTOCOL_VERSION: Final = _mcp.MCP_PROTOCOL_VERSION
MCP_SESSION_ID: Final = _mcp.MCP_SESSION_ID
JSONRPC_REQUEST_ID: Final = _jsonrpc.JSONRPC_REQUEST_ID
NETWORK_TRANSPORT: Final = _network.NETWORK_TRANSPORT
# `network.transport` of stdio (a pipe) and of HTTP.
TRANSPORT_PIPE: Final = "pipe"
TRANSPORT_TCP: Final = "tcp"
RPC_RESPONSE_STATUS_CODE: Final = "rpc.response.status_code"

# Agent2Agent protocol (the GenAI conventions' A2A page; not yet in the
# semantic-conventions package): on the `invoke_agent` span of an agent
# reached over A2A.
A2A_METHOD_NAME: Final = "a2a.method.name"
A2A_METHOD_SEND_MESSAGE: Final = "SendMessage"
A2A_METHOD_SEND_STREAMING_MESSAGE: Final = "SendStreamingMessage"
A2A_MESSAGE_ID: Final = "a2a.message.id"
A2A_MESSAGE_REFERENCE_TASK_IDS: Final = "a2a.message.reference_task_ids"
A2A_TASK_ID: Final = "a2a.task.id"
A2A_TASK_STATE: Final = "a2a.task.state"
A2A_TENANT: Final = "a2a.tenant"
A2A_PROTOCOL_VERSION: Final = "a2a.protocol.version"
# The task states after which the call counts as failed (`error.type` is the state).
A2A_TASK_STATE_FAILED: Final = "TASK_STATE_FAILED"
A2A_TASK_STATE_REJECTED: Final = "TASK_STATE_REJECTED"
A2A_TASK_STATE_UNSPECIFIED: Final = "TASK_STATE_UNSPECIFIED"
