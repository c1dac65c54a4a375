"""A program that imports AgentScope late: inside a function, after other
work, long after otelscope started. Its agent call must still be traced.
The agent is ``weather_app``'s (whose module imports no AgentScope)."""

from __future__ import annotations

import sys

import weather_app  # this directory is the script's, first on sys.path


def late_answer() -> str:
    import agentscope  # the process's first import of AgentScope

    major = int(agentscope.__version__.split(".")[0])
    return (weather_app.answer_v1 if major == 1 else weather_app.answer_v2)(False)


def main() -> None:
    print("agentscope imported at start:", "agentscope" in sys.modules)
    squares = sum(number * number for number in range(10_000))  # other work first
    print(f"answer: {late_answer()} ({squares})")


if __name__ == "__main__":
    main()
