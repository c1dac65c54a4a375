"""The scripts both demo scenarios follow: a model that asks for tools round
by round and then answers, decided per call, never from the prompt.

Weather questions: one ``get_weather`` round per city in the question, then
an answer. The script of a call lives in a ContextVar, so overlapping calls
on one agent each follow their own, whatever the agent's shared memory holds.

The conversation: each agent has a script of its own (held by its model),
since the agents take turns in one task, or run in tasks that copy one
context, where a ContextVar could not tell them apart. The Critic looks the
plan up in a knowledge base of travel notes before it answers.
"""

from __future__ import annotations

import random
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ToolRequest:
    """A tool call the model asks for; ``label`` makes its call id readable."""

    tool: str
    arguments: dict[str, str]
    label: str


@dataclass
class CallScript:
    """The tool rounds of one call, each a list of requests, then its answer."""

    question: str
    rounds: list[list[ToolRequest]]
    answer: str
    delays: list[float] = field(default_factory=list)
    model_calls: int = 0

    def next_requests(self) -> list[ToolRequest]:
        """The tools this model call asks for; none means: answer now."""
        index = self.model_calls
        self.model_calls += 1
        return self.rounds[index] if index < len(self.rounds) else []

    def call_id(self, request: ToolRequest) -> str:
        """``Paris-1``: the request's label and the (1-based) model call that made it."""
        return f"{request.label}-{self.model_calls}"

    def delay(self) -> float:
        return self.delays[self.model_calls % len(self.delays)] if self.delays else 0.0


current: ContextVar[CallScript | None] = ContextVar("otelscope_demo_script", default=None)


def weather_request(city: str) -> ToolRequest:
    return ToolRequest("get_weather", {"city": city}, city)


def weather_of(city: str) -> str:
    return f"Sunny in {city}"


def weather_answer(cities: list[str]) -> str:
    return "It is sunny in " + " and ".join(cities) + "."


def weather_script(cities: list[str], delays: list[float] | None = None) -> CallScript:
    return CallScript(
        question=f"Weather in {', '.join(cities)}?",
        rounds=[[weather_request(city)] for city in cities],
        answer=weather_answer(cities),
        delays=delays or [],
    )


# -- the overlapping weather questions ------------------------------------------

QUESTIONS = [["Paris", "Rome"], ["Tokyo"], ["Lima", "Oslo"], ["Cairo"]]


def scripts(seed: int = 7) -> list[CallScript]:
    rng = random.Random(seed)
    return [
        weather_script(cities, [rng.uniform(0.001, 0.02) for _ in range(3)]) for cities in QUESTIONS
    ]


# -- the multi-agent conversation -------------------------------------------------

TRIP_QUESTION = "Paris or Rome for the weekend?"
TRIP_CITIES = ["Paris", "Rome"]
FORECASTER = "Forecaster"
PLANNER = "Planner"
CRITIC = "Critic"
PLAN = "Rome it is: the Forum on Saturday, Trastevere on Sunday."
VERDICT = "Agreed: Rome, and book the Forum early."


def forecaster_script() -> CallScript:
    """The one agent of the conversation that uses a tool: a round per city."""
    return weather_script(TRIP_CITIES)


def answering_script(answer: str) -> CallScript:
    return CallScript(question=TRIP_QUESTION, rounds=[], answer=answer)


# What the Critic looks up in the travel notes before it answers (``notes``).
NOTES_QUERY = "Rome Forum weekend"
NOTES_LABEL = "notes"


def critic_script(retrieval_tool: str) -> CallScript:
    """The Critic checks the plan against the travel notes, then answers:
    ``retrieval_tool`` is the line's knowledge-base tool."""
    lookup = ToolRequest(retrieval_tool, {"query": NOTES_QUERY}, NOTES_LABEL)
    return CallScript(question=TRIP_QUESTION, rounds=[[lookup]], answer=VERDICT)
