"""The script both demo scenarios follow: a model that calls a tool for each
city in the question and then answers, decided per call, never by counter.

The script of a call lives in a ContextVar, so overlapping calls on one agent
each follow their own, whatever the agent's shared memory holds.
"""

from __future__ import annotations

import random
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class CallScript:
    """The cities one call looks up, one ReAct round per city, then an answer."""

    cities: list[str]
    delays: list[float] = field(default_factory=list)
    model_calls: int = 0

    def next_city(self) -> str | None:
        """The city this model call asks the tool for, or None to answer."""
        index = self.model_calls
        self.model_calls += 1
        return self.cities[index] if index < len(self.cities) else None

    def delay(self) -> float:
        return self.delays[self.model_calls % len(self.delays)] if self.delays else 0.0

    def answer(self) -> str:
        return "It is sunny in " + " and ".join(self.cities) + "."


current: ContextVar[CallScript | None] = ContextVar("otelscope_demo_script", default=None)

QUESTIONS = [["Paris", "Rome"], ["Tokyo"], ["Lima", "Oslo"], ["Cairo"]]


def scripts(seed: int = 7) -> list[CallScript]:
    rng = random.Random(seed)
    return [
        CallScript(cities, [rng.uniform(0.001, 0.02) for _ in range(3)]) for cities in QUESTIONS
    ]


def weather_of(city: str) -> str:
    return f"Sunny in {city}"
