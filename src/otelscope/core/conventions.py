"""The attribute keys, values, operation, event and metric names otelscope records.

Only this module spells them, so a rename is a one-line change here. They
come from three places, in this order below:

1. The ``opentelemetry-semantic-conventions`` package, wherever it has the
   name: ``opentelemetry.semconv._incubating.attributes`` for the GenAI, MCP,
   JSON-RPC and RPC keys (and the well-known values it lists: operation
   names, output and token types, MCP methods), the stable
   ``opentelemetry.semconv.attributes`` for ``error.type``, ``server.*``,
   ``http.*``, ``network.*`` and ``db.*``, and
   ``opentelemetry.semconv._incubating.metrics.gen_ai_metrics`` for the
   model-call metrics. otelscope follows the package of semantic conventions
   1.44.0 (``otelscope.instrumentor.SCHEMA_URL``). That release marks its
   GenAI and MCP names as moved, unchanged, to the GenAI conventions' own
   repository (``open-telemetry/semantic-conventions-genai``), so the
   package keeps them but adds no new ones.
2. Names the GenAI conventions define that the package does not have: the
   agent, tool and workflow duration metrics, the inference event, the
   finish-reason and tool-type values, the explicit bucket boundaries, the
   Agent2Agent (A2A) attributes and the memory operations. They are spelled
   here as the conventions spell them.
3. otelscope's own extensions, in the last section: what the conventions
   have no name for (the ReAct round, the token roll-ups, the 1.x
   formatter, request attempts, the ``error.type`` values of a cancelled
   call and of a tool failure the framework absorbed, the round's span
   name, a retrieval's score threshold and document count, the writing of
   documents into a knowledge base, the speech operations and their sizes,
   realtime sessions and turns, a tool call's permission decision, a
   context compression, a system prompt change, the kind of a long-term
   memory, a plan's changes). Each says why it exists.
"""

from __future__ import annotations

from typing import Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as _gen_ai
from opentelemetry.semconv._incubating.attributes import jsonrpc_attributes as _jsonrpc
from opentelemetry.semconv._incubating.attributes import mcp_attributes as _mcp
from opentelemetry.semconv._incubating.attributes import rpc_attributes as _rpc
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics as _gen_ai_metrics
from opentelemetry.semconv.attributes import db_attributes as _db
from opentelemetry.semconv.attributes import error_attributes as _error
from opentelemetry.semconv.attributes import http_attributes as _http
from opentelemetry.semconv.attributes import network_attributes as _network
from opentelemetry.semconv.attributes import server_attributes as _server

# -- 1. From the semantic-conventions package ---------------------------------

# Operation names (`gen_ai.operation.name`).
OP_INVOKE_AGENT: Final = _gen_ai.GenAiOperationNameValues.INVOKE_AGENT.value
OP_CHAT: Final = _gen_ai.GenAiOperationNameValues.CHAT.value
OP_EXECUTE_TOOL: Final = _gen_ai.GenAiOperationNameValues.EXECUTE_TOOL.value
OP_EMBEDDINGS: Final = _gen_ai.GenAiOperationNameValues.EMBEDDINGS.value
OP_INVOKE_WORKFLOW: Final = _gen_ai.GenAiOperationNameValues.INVOKE_WORKFLOW.value
OP_RETRIEVAL: Final = _gen_ai.GenAiOperationNameValues.RETRIEVAL.value

OPERATION_NAME: Final = _gen_ai.GEN_AI_OPERATION_NAME
PROVIDER_NAME: Final = _gen_ai.GEN_AI_PROVIDER_NAME
CONVERSATION_ID: Final = _gen_ai.GEN_AI_CONVERSATION_ID
WORKFLOW_NAME: Final = _gen_ai.GEN_AI_WORKFLOW_NAME

AGENT_NAME: Final = _gen_ai.GEN_AI_AGENT_NAME
AGENT_DESCRIPTION: Final = _gen_ai.GEN_AI_AGENT_DESCRIPTION
AGENT_VERSION: Final = _gen_ai.GEN_AI_AGENT_VERSION
AGENT_ID: Final = _gen_ai.GEN_AI_AGENT_ID

REQUEST_MODEL: Final = _gen_ai.GEN_AI_REQUEST_MODEL
RESPONSE_MODEL: Final = _gen_ai.GEN_AI_RESPONSE_MODEL
REQUEST_TEMPERATURE: Final = _gen_ai.GEN_AI_REQUEST_TEMPERATURE
REQUEST_MAX_TOKENS: Final = _gen_ai.GEN_AI_REQUEST_MAX_TOKENS
REQUEST_TOP_P: Final = _gen_ai.GEN_AI_REQUEST_TOP_P
REQUEST_STREAM: Final = _gen_ai.GEN_AI_REQUEST_STREAM
REQUEST_SEED: Final = _gen_ai.GEN_AI_REQUEST_SEED
REQUEST_STOP_SEQUENCES: Final = _gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES
REQUEST_CHOICE_COUNT: Final = _gen_ai.GEN_AI_REQUEST_CHOICE_COUNT
REQUEST_FREQUENCY_PENALTY: Final = _gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY
REQUEST_PRESENCE_PENALTY: Final = _gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY
REQUEST_TOP_K: Final = _gen_ai.GEN_AI_REQUEST_TOP_K
REQUEST_ENCODING_FORMATS: Final = _gen_ai.GEN_AI_REQUEST_ENCODING_FORMATS
OUTPUT_TYPE: Final = _gen_ai.GEN_AI_OUTPUT_TYPE
OUTPUT_TYPE_TEXT: Final = _gen_ai.GenAiOutputTypeValues.TEXT.value
OUTPUT_TYPE_JSON: Final = _gen_ai.GenAiOutputTypeValues.JSON.value
OUTPUT_TYPE_SPEECH: Final = _gen_ai.GenAiOutputTypeValues.SPEECH.value

RESPONSE_ID: Final = _gen_ai.GEN_AI_RESPONSE_ID
RESPONSE_FINISH_REASONS: Final = _gen_ai.GEN_AI_RESPONSE_FINISH_REASONS
RESPONSE_TIME_TO_FIRST_CHUNK: Final = _gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK

USAGE_INPUT_TOKENS: Final = _gen_ai.GEN_AI_USAGE_INPUT_TOKENS
USAGE_OUTPUT_TOKENS: Final = _gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS
# Already counted in `gen_ai.usage.output_tokens`.
USAGE_REASONING_OUTPUT_TOKENS: Final = _gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS
# Both are already counted in `gen_ai.usage.input_tokens`.
USAGE_CACHE_READ_INPUT_TOKENS: Final = _gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS
USAGE_CACHE_CREATION_INPUT_TOKENS: Final = _gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS

TOKEN_TYPE: Final = _gen_ai.GEN_AI_TOKEN_TYPE
TOKEN_TYPE_INPUT: Final = _gen_ai.GenAiTokenTypeValues.INPUT.value
TOKEN_TYPE_OUTPUT: Final = _gen_ai.GenAiTokenTypeValues.COMPLETION.value

EMBEDDINGS_DIMENSION_COUNT: Final = _gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT

TOOL_NAME: Final = _gen_ai.GEN_AI_TOOL_NAME
TOOL_CALL_ID: Final = _gen_ai.GEN_AI_TOOL_CALL_ID
TOOL_TYPE: Final = _gen_ai.GEN_AI_TOOL_TYPE
TOOL_DESCRIPTION: Final = _gen_ai.GEN_AI_TOOL_DESCRIPTION

# Message content (recorded only when capture is switched on).
INPUT_MESSAGES: Final = _gen_ai.GEN_AI_INPUT_MESSAGES
OUTPUT_MESSAGES: Final = _gen_ai.GEN_AI_OUTPUT_MESSAGES
SYSTEM_INSTRUCTIONS: Final = _gen_ai.GEN_AI_SYSTEM_INSTRUCTIONS
TOOL_DEFINITIONS: Final = _gen_ai.GEN_AI_TOOL_DEFINITIONS
TOOL_CALL_ARGUMENTS: Final = _gen_ai.GEN_AI_TOOL_CALL_ARGUMENTS
TOOL_CALL_RESULT: Final = _gen_ai.GEN_AI_TOOL_CALL_RESULT

# Metrics of model calls.
METRIC_OPERATION_DURATION: Final = _gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION
METRIC_TOKEN_USAGE: Final = _gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE
METRIC_TIME_TO_FIRST_CHUNK: Final = _gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK

ERROR_TYPE: Final = _error.ERROR_TYPE

# The endpoint a model call reached (the general `server.*` and HTTP keys).
SERVER_ADDRESS: Final = _server.SERVER_ADDRESS
SERVER_PORT: Final = _server.SERVER_PORT
HTTP_RESPONSE_STATUS_CODE: Final = _http.HTTP_RESPONSE_STATUS_CODE
# The status code (an int) of a failed call made over gRPC. Deprecated in the
# package (1.44 asks for its name, a string, in `rpc.response.status_code`).
RPC_GRPC_STATUS_CODE: Final = _rpc.RPC_GRPC_STATUS_CODE

# Model Context Protocol (the GenAI conventions' MCP page): on the
# `execute_tool` span of a tool an MCP server runs.
MCP_METHOD_NAME: Final = _mcp.MCP_METHOD_NAME
MCP_METHOD_TOOLS_CALL: Final = _mcp.McpMethodNameValues.TOOLS_CALL.value
MCP_PROTOCOL_VERSION: Final = _mcp.MCP_PROTOCOL_VERSION
MCP_SESSION_ID: Final = _mcp.MCP_SESSION_ID
JSONRPC_REQUEST_ID: Final = _jsonrpc.JSONRPC_REQUEST_ID
RPC_RESPONSE_STATUS_CODE: Final = _rpc.RPC_RESPONSE_STATUS_CODE
NETWORK_TRANSPORT: Final = _network.NETWORK_TRANSPORT
# `network.transport` of stdio (a pipe) and of HTTP.
TRANSPORT_PIPE: Final = _network.NetworkTransportValues.PIPE.value
TRANSPORT_TCP: Final = _network.NetworkTransportValues.TCP.value

# Retrieval from a knowledge base (the GenAI conventions' retrieval span):
# the data source's identifier, the request's top-k and, with content
# capture on, the query and the documents retrieved.
DATA_SOURCE_ID: Final = _gen_ai.GEN_AI_DATA_SOURCE_ID
RETRIEVAL_QUERY_TEXT: Final = _gen_ai.GEN_AI_RETRIEVAL_QUERY_TEXT
RETRIEVAL_DOCUMENTS: Final = _gen_ai.GEN_AI_RETRIEVAL_DOCUMENTS
# The conventions describe a data source further with `db.*` attributes: the
# vector store's product (`qdrant`, `milvus`, `mongodb`, ...) and its collection.
DB_SYSTEM_NAME: Final = _db.DB_SYSTEM_NAME
DB_COLLECTION_NAME: Final = _db.DB_COLLECTION_NAME

# -- 2. From the GenAI conventions, not in the package ------------------------

# Metrics of agent, tool and workflow calls.
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

# The event of a model call's content.
EVENT_INFERENCE_DETAILS: Final = "gen_ai.client.inference.operation.details"

# The conventions' finish reasons (the output messages' `finish_reason`); a
# provider's own values are mapped to them where they mean the same, and kept
# as they are otherwise.
FINISH_STOP: Final = "stop"
FINISH_LENGTH: Final = "length"
FINISH_CONTENT_FILTER: Final = "content_filter"
FINISH_TOOL_CALL: Final = "tool_call"
FINISH_ERROR: Final = "error"

# `gen_ai.tool.type` of a function the agent's toolkit runs.
TOOL_TYPE_FUNCTION: Final = "function"

# Agent2Agent protocol (the GenAI conventions' A2A attributes): on the
# `invoke_agent` span of an agent reached over A2A.
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

# Memory operations (the GenAI conventions' `gen_ai.memory.client` span,
# development stability, in semantic-conventions-genai's registry and spans
# but not yet in the package): a search of a long-term memory, and a write
# that may create, update or consolidate records without the caller choosing
# which (`upsert_memory`: mem0 and ReMe extract and merge what they are
# given). The span is named after the operation alone. The query and the
# records (`content`, `id`, `score`, `metadata`) are opt-in content.
OP_SEARCH_MEMORY: Final = "search_memory"
OP_UPSERT_MEMORY: Final = "upsert_memory"
MEMORY_STORE_ID: Final = "gen_ai.memory.store.id"
MEMORY_RECORD_COUNT: Final = "gen_ai.memory.record.count"
MEMORY_QUERY_TEXT: Final = "gen_ai.memory.query.text"
MEMORY_RECORDS: Final = "gen_ai.memory.records"

# -- 3. otelscope's extensions --------------------------------------------------
# The conventions have no name for these. otelscope's own keys are named
# `otelscope.*`; the ReAct round keeps the operation, span and attribute names
# LoongSuite's AgentScope instrumentation gives it, so that traces of both
# read alike.

# One reasoning-acting round of a ReAct agent: `gen_ai.operation.name`,
# its round number (from 1) and why it ended (it ran a tool, or it answered).
OP_REACT: Final = "react"
REACT_ROUND: Final = "gen_ai.react.round"
REACT_FINISH_REASON: Final = "gen_ai.react.finish_reason"
REACT_FINISH_TOOL_CALLS: Final = "tool_calls"
REACT_FINISH_STOP: Final = "stop"
# Span name of a round: no model or tool suffix, as a round is not a call to
# a named thing.
REACT_STEP_SPAN_NAME: Final = "react step"

# The tokens used by every model call inside an agent call or a ReAct round
# (nested agents included). Named apart from `gen_ai.usage.*`, which a
# backend would otherwise add to the children's.
ROLLUP_INPUT_TOKENS: Final = "otelscope.usage.input_tokens"
ROLLUP_OUTPUT_TOKENS: Final = "otelscope.usage.output_tokens"

# How an AgentScope 1.x formatter prepared a chat call's input, on the chat
# span (the conventions have no formatting step): the formatter's class, the
# messages it was given, and how many of them its truncation removed.
FORMATTER_NAME: Final = "otelscope.formatter.name"
FORMATTER_INPUT_MESSAGES: Final = "otelscope.formatter.input_messages"
FORMATTER_TRUNCATED_MESSAGES: Final = "otelscope.formatter.truncated_messages"

# How many HTTP requests the provider's SDK sent for one model call, retries
# included (1 when nothing was retried). `http.request.resend_count` is the
# conventions' count per HTTP request span; a model call is one span over
# all its requests.
REQUEST_ATTEMPTS: Final = "otelscope.request.attempts"

# `error.type` values where no exception class names the failure (the
# conventions ask for few, documented values): an operation that was
# cancelled (task cancel, interrupt, timeout) rather than failed, and a tool
# whose failure the framework turned into a result.
ERROR_TYPE_CANCELLED: Final = "cancelled"
ERROR_TYPE_TOOL_ERROR: Final = "tool_error"

# Retrieval: the conventions name the query, its top-k and the documents, but
# neither the score threshold a knowledge base filters by nor how many
# documents it returned (`gen_ai.retrieval.documents` is opt-in content; the
# count is not content, so it is kept with capture off).
RETRIEVAL_SCORE_THRESHOLD: Final = "otelscope.retrieval.score_threshold"
RETRIEVAL_DOCUMENT_COUNT: Final = "otelscope.retrieval.document.count"
# Writing documents into a knowledge base (embedded, then stored), which the
# conventions have no operation for: `index_documents`, the indexing step of
# retrieval-augmented generation whatever the store does underneath (insert
# or upsert), with the number of documents (chunks) written.
OP_INDEX_DOCUMENTS: Final = "index_documents"
INDEX_DOCUMENT_COUNT: Final = "otelscope.index.document.count"

# Tool permissions and human approval (AgentScope 2.x). The GenAI conventions
# have no key for a tool call's permission decision (proposals, none adopted:
# semantic-conventions-genai issues #95 and #373), so the decision is
# otelscope's, on the `execute_tool` span: what was decided (allow, deny,
# ask), by whom (the policy: rules, mode, the tool's own permission and any
# middleware; or the user answering an ask), the reason the framework gave
# (the rule or mode that made it) and the mode in force, and the seconds the
# tool call waited for it (the check, or from the ask to the user's answer).
PERMISSION_DECISION: Final = "otelscope.permission.decision"
PERMISSION_DECIDED_BY: Final = "otelscope.permission.decided_by"
PERMISSION_REASON: Final = "otelscope.permission.reason"
PERMISSION_MODE: Final = "otelscope.permission.mode"
PERMISSION_WAIT_DURATION: Final = "otelscope.permission.wait_duration"
PERMISSION_ALLOW: Final = "allow"
PERMISSION_DENY: Final = "deny"
PERMISSION_ASK: Final = "ask"
PERMISSION_BY_POLICY: Final = "policy"
PERMISSION_BY_USER: Final = "user"
# `error.type` of a tool call the policy or the user refused to run.
ERROR_TYPE_PERMISSION_DENIED: Final = "permission_denied"
# The link from a reply that resumes one suspended for approval to the
# suspended reply's `invoke_agent` span, with this attribute saying so.
LINK_RELATION: Final = "otelscope.link.relation"
LINK_RESUMES: Final = "resumes"

# Context compression (AgentScope 2.x): the conventions define only
# `gen_ai.conversation.compacted` on inference spans; an agent framework's
# own compression has no operation, so otelscope names it `compress_context`
# with the context's message counts before and after.
OP_COMPRESS_CONTEXT: Final = "compress_context"
CONTEXT_MESSAGES_BEFORE: Final = "otelscope.context.messages_before"
CONTEXT_MESSAGES_AFTER: Final = "otelscope.context.messages_after"
# A change of the agent's system prompt within a call: an event on the
# `invoke_agent` span with the SHA-256 (hex) of the new and previous prompt.
# The text itself only with content capture on, as the conventions'
# `gen_ai.system_instructions` on the same span.
EVENT_SYSTEM_PROMPT_CHANGED: Final = "otelscope.system_prompt.changed"
SYSTEM_PROMPT_SHA256: Final = "otelscope.system_prompt.sha256"
SYSTEM_PROMPT_PREVIOUS_SHA256: Final = "otelscope.system_prompt.previous_sha256"

# Speech (text-to-speech, speech recognition) and realtime voice sessions.
# The GenAI conventions have no operation for either direction of speech
# (they name only `gen_ai.output.type=speech` and the audio token counts), so
# otelscope names them after what they do, in the conventions' style
# (`text_to_speech`, `speech_to_text`), with the sizes the conventions do not
# name: the text's length in characters (the text synthesized, or the
# transcript), and the audio's size in bytes and duration in seconds (the
# audio synthesized, or the audio transcribed). The text itself is content.
OP_TEXT_TO_SPEECH: Final = "text_to_speech"
OP_SPEECH_TO_TEXT: Final = "speech_to_text"
SPEECH_VOICE: Final = "otelscope.speech.voice"
SPEECH_TEXT_CHARACTERS: Final = "otelscope.speech.text.characters"
SPEECH_AUDIO_BYTES: Final = "otelscope.speech.audio.bytes"
SPEECH_AUDIO_DURATION: Final = "otelscope.speech.audio.duration"
# A realtime agent's session (from its start to its end) and each of its
# turns: the conventions have no operation for either (an OpenAI realtime
# proposal names a `realtime_inference` span, not adopted). A turn is one
# reply of the agent or one utterance of the user (`otelscope.realtime.turn.role`),
# numbered from 1 within its session, with AgentScope's reply id and, for an
# agent's reply, why it ended and the tokens its model responses reported.
OP_REALTIME_SESSION: Final = "realtime_session"
OP_REALTIME_TURN: Final = "realtime_turn"
REALTIME_TURN_NUMBER: Final = "otelscope.realtime.turn.number"
REALTIME_TURN_ROLE: Final = "otelscope.realtime.turn.role"
REALTIME_TURN_ID: Final = "otelscope.realtime.turn.id"
REALTIME_TURN_FINISH_REASON: Final = "otelscope.realtime.turn.finish_reason"
REALTIME_TURN_COUNT: Final = "otelscope.realtime.turn.count"
# An error the provider reported on the socket while no turn was open.
EVENT_REALTIME_ERROR: Final = "otelscope.realtime.error"
REALTIME_ERROR_MESSAGE: Final = "otelscope.realtime.error.message"

# Long-term memory: which memory class served a memory operation (AgentScope's
# `Mem0LongTermMemory`, `ReMePersonalLongTermMemory`, `Mem0Middleware`, ... or
# the application's own). `gen_ai.provider.name` names the backend (`mem0`,
# `reme`) where AgentScope's class says it; the conventions have no key for
# the class, which tells ReMe's personal, task and tool memories apart.
MEMORY_KIND: Final = "otelscope.memory.kind"
PROVIDER_MEM0: Final = "mem0"
PROVIDER_REME: Final = "reme"

# Plans (AgentScope 1.x `PlanNotebook`): events on the agent call's span. The
# conventions' `plan` span is the phase in which an agent formulates a plan,
# with the model call that makes it as its child; a notebook records a plan
# the model already made (a tool call after the model call), and a subtask's
# progress or a plan's end is no phase at all. So each change is an event,
# with the plan's id and states: never its text (which, with content capture
# on, is the tool call's arguments).
EVENT_PLAN_CREATED: Final = "otelscope.plan.created"
EVENT_PLAN_RECOVERED: Final = "otelscope.plan.recovered"
EVENT_PLAN_REVISED: Final = "otelscope.plan.revised"
EVENT_PLAN_SUBTASK_CHANGED: Final = "otelscope.plan.subtask.changed"
EVENT_PLAN_FINISHED: Final = "otelscope.plan.finished"
PLAN_ID: Final = "otelscope.plan.id"
PLAN_STATE: Final = "otelscope.plan.state"
PLAN_SUBTASK_COUNT: Final = "otelscope.plan.subtask.count"
PLAN_SUBTASK_INDEX: Final = "otelscope.plan.subtask.index"
PLAN_SUBTASK_STATE: Final = "otelscope.plan.subtask.state"
PLAN_SUBTASK_PREVIOUS_STATE: Final = "otelscope.plan.subtask.previous_state"
