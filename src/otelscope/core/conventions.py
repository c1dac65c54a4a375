"""Names from the OpenTelemetry GenAI semantic conventions (release 1.41).

Only this module spells attribute keys and operation names, so a rename in the
conventions is a one-line change here.
"""

from __future__ import annotations

from typing import Final

# Operation names (`gen_ai.operation.name`).
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_CHAT: Final = "chat"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_REACT: Final = "react"

# Span name of one reasoning-acting round; the conventions give it no model or
# tool suffix because a round is not a call to a named thing.
REACT_STEP_SPAN_NAME: Final = "react step"

OPERATION_NAME: Final = "gen_ai.operation.name"
PROVIDER_NAME: Final = "gen_ai.provider.name"

AGENT_NAME: Final = "gen_ai.agent.name"
AGENT_ID: Final = "gen_ai.agent.id"

REQUEST_MODEL: Final = "gen_ai.request.model"
REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
REQUEST_TOP_P: Final = "gen_ai.request.top_p"
REQUEST_STREAM: Final = "gen_ai.request.stream"

RESPONSE_ID: Final = "gen_ai.response.id"
RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
RESPONSE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.response.time_to_first_chunk"

USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"

TOOL_NAME: Final = "gen_ai.tool.name"
TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
TOOL_TYPE: Final = "gen_ai.tool.type"
TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
TOOL_TYPE_FUNCTION: Final = "function"

REACT_ROUND: Final = "gen_ai.react.round"
REACT_FINISH_REASON: Final = "gen_ai.react.finish_reason"
REACT_FINISH_TOOL_CALLS: Final = "tool_calls"
REACT_FINISH_STOP: Final = "stop"

ERROR_TYPE: Final = "error.type"
# `error.type` of an operation that was cancelled (task cancel, interrupt,
# timeout) rather than failed: low-cardinality and distinct from any exception.
ERROR_TYPE_CANCELLED: Final = "cancelled"
