"""The scripts the scripted models of both lines' kits follow
(``tests/v1/kit.py``, ``tests/v2/kit.py``): what each model call answers,
and what the tools saw. Nothing here depends on the AgentScope line.

The script of a call lives in a ContextVar, so overlapping calls each follow
their own script, whatever the agent's shared memory holds.
"""

from __future__ import annotations

import random
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Step:
    """One model response: tool calls (name, city) or a final text, or an error."""

    tools: list[str] = field(default_factory=list)
    text: str = "Final answer"
    error: BaseException | None = None
    delay: float = 0.0


@dataclass
class Script:
    tag: str
    steps: list[Step]
    tool_delay: float = 0.0
    tool_error: BaseException | None = None
    calls_made: int = 0
    tool_runs: int = 0
    tool_parents: list[int] = field(default_factory=list)
    # The whole span context each tool body ran in (trace, span, sampling flag).
    tool_contexts: list[Any] = field(default_factory=list)

    def next_step(self) -> Step:
        step = self.steps[min(self.calls_made, len(self.steps) - 1)]
        self.calls_made += 1
        return step


current_script: ContextVar[Script | None] = ContextVar("current_script", default=None)


def one_tool_round(tag: str) -> Script:
    """One round that calls ``get_weather``, then the answer ``Done {tag}``."""
    return Script(tag, [Step(tools=["get_weather"]), Step(text=f"Done {tag}")])


def two_tool_rounds(tag: str, delay: float = 0.0) -> Script:
    return Script(
        tag=tag,
        steps=[
            Step(tools=["get_weather"], delay=delay),
            Step(tools=["get_weather"], delay=delay),
            Step(text=f"Done {tag}", delay=delay),
        ],
        tool_delay=delay,
    )


def random_two_tool_rounds(tag: str, rng: random.Random) -> Script:
    script = two_tool_rounds(tag)
    for step in script.steps:
        step.delay = rng.uniform(0, 0.01)
    script.tool_delay = rng.uniform(0, 0.01)
    return script
