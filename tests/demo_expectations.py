"""What the offline demo must show on either AgentScope line: one exact trace
per overlapping weather question, one for indexing the travel notes, then one
for the conversation, in which the Critic looks the notes up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from tests.spantree import Node, build_trees

Shape = tuple[str, list[Any]]
Rounds = list[tuple[int, str, list[str]]]

WEATHER_ANSWERS = [
    "It is sunny in Paris and Rome.",
    "It is sunny in Tokyo.",
    "It is sunny in Lima and Oslo.",
    "It is sunny in Cairo.",
]
QUESTION_CITIES = [["Paris", "Rome"], ["Tokyo"], ["Lima", "Oslo"], ["Cairo"]]
PLAN = "Rome it is: the Forum on Saturday, Trastevere on Sunday."
VERDICT = "Agreed: Rome, and book the Forum early."

CHAT: Shape = ("chat scripted-model", [])
ANSWER_ROUND: Shape = ("react step", [CHAT])
WEATHER_ROUND: Shape = ("react step", [CHAT, ("execute_tool get_weather", [])])
# A leader's round that assigns a member: TeamPipeline runs the member
# itself, so no tool of the leader's toolkit runs and no execute_tool span.
ASSIGNING_ROUND: Shape = ANSWER_ROUND
NOTES_EMBEDDED: Shape = ("embeddings notes-embedding", [])
NOTES_INDEXED: Shape = ("index_documents travel-notes", [NOTES_EMBEDDED])
NOTES_LOOKUP_ROUND = [(1, "tool_calls", ["notes-1"]), (2, "stop", [])]


def weather_call(agent: str, cities: list[str]) -> Shape:
    """An agent call that looks up each city in a round of its own, then answers."""
    return (f"invoke_agent {agent}", [WEATHER_ROUND] * len(cities) + [ANSWER_ROUND])


def answering_call(agent: str) -> Shape:
    return (f"invoke_agent {agent}", [ANSWER_ROUND])


def critic_call(retrieval_tool: str) -> Shape:
    """The Critic looks the plan up in the travel notes through the line's
    knowledge-base tool (a retrieval over its embedding), then answers."""
    retrieval = ("retrieval travel-notes", [NOTES_EMBEDDED])
    lookup_round = ("react step", [CHAT, (f"execute_tool {retrieval_tool}", [retrieval])])
    return ("invoke_agent Critic", [lookup_round, ANSWER_ROUND])


def assert_notes_retrieval(critic: Node) -> None:
    """The Critic's retrieval: the notes' name, the tool's default limit, all
    three notes returned, in the Critic's conversation."""
    [retrieval] = critic.find("retrieval travel-notes")
    assert retrieval.attributes == {
        "gen_ai.operation.name": "retrieval",
        "gen_ai.data_source.id": "travel-notes",
        "db.collection.name": "travel-notes",
        "gen_ai.request.top_k": 5.0,
        "gen_ai.conversation.id": critic.attributes["gen_ai.conversation.id"],
        "otelscope.retrieval.document.count": 3,
    }


def weather_rounds(cities: list[str]) -> Rounds:
    """Round n looks up the n-th city with call id ``{city}-{n}``; the last answers."""
    lookups = [(n, "tool_calls", [f"{city}-{n}"]) for n, city in enumerate(cities, start=1)]
    return [*lookups, (len(cities) + 1, "stop", [])]


def rounds_of(call: Node) -> Rounds:
    """(round number, finish reason, tool call ids) of each react step of a call."""
    return [
        (
            step.attributes["gen_ai.react.round"],
            step.attributes["gen_ai.react.finish_reason"],
            [tool.attributes["gen_ai.tool.call.id"] for tool in step.children[1:]],
        )
        for step in call.children
    ]


def assert_demo_traces(
    answers: list[str],
    spans: Sequence[ReadableSpan],
    weather_agents: list[str],
    conversation: Shape,
    conversation_answer: str,
) -> tuple[list[Node], Node]:
    """The four weather traces, ``weather_agents[i]`` answering question i,
    the travel notes indexed, and the conversation as one trace of shape
    ``conversation``; returns the weather roots in question order and the
    conversation's root."""
    assert answers == [*WEATHER_ANSWERS, conversation_answer]
    roots = build_trees(spans)
    assert len(roots) == 6, [root.shape() for root in roots]
    weather = [root for root in roots if root.name.startswith("invoke_agent ")]
    [workflow] = [root for root in roots if root.name.startswith("invoke_workflow ")]
    [indexing] = [root for root in roots if root.name.startswith("index_documents ")]
    assert indexing.shape() == NOTES_INDEXED
    assert indexing.attributes["otelscope.index.document.count"] == 3
    by_first_call = {rounds_of(root)[0][2][0]: root for root in weather}
    in_question_order = [by_first_call[f"{cities[0]}-1"] for cities in QUESTION_CITIES]
    for root, agent, cities in zip(in_question_order, weather_agents, QUESTION_CITIES, strict=True):
        assert root.shape() == weather_call(agent, cities), root.shape()
        assert rounds_of(root) == weather_rounds(cities), rounds_of(root)
    assert workflow.shape() == conversation, workflow.shape()
    assert all(node.status == StatusCode.UNSET for root in roots for node in root.walk())
    assert_one_trace(workflow, spans)
    return in_question_order, workflow


def assert_one_trace(root: Node, spans: Sequence[ReadableSpan]) -> None:
    """Every span of the tree under ``root``, and no other, is in its trace."""
    trace_id = root.span.context.trace_id
    in_trace = {span.context.span_id for span in spans if span.context.trace_id == trace_id}
    assert in_trace == {node.span.context.span_id for node in root.walk()}


def agent_calls(root: Node) -> list[Node]:
    """The ``invoke_agent`` spans under ``root``, in start order."""
    calls = [node for node in root.walk() if node.name.startswith("invoke_agent ")]
    return sorted(calls, key=lambda node: node.span.start_time or 0)
