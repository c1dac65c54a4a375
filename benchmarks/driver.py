"""Runs every configuration's worker side by side and interleaves their blocks.

One long-lived worker process per (AgentScope line, configuration), each in
the virtual environment that holds its instrumentation. A round gives every
worker one block of every scenario, in an order rotated from round to round,
and the two bare-SDK floors of every instrumented configuration (its spans,
then its spans and metric points); machine drift then touches every
configuration alike. Workers wait on stdin between
blocks, so only one of them runs at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("sequential", "overlapping", "streaming")
# The configuration runs in the line's test venv unless named here.
OWN_VENVS = {"loongsuite": ".venv/bench-loongsuite-as{line}"}
CONFIGURATIONS = (
    "baseline",
    "bare-spans",
    "otelscope",
    "otelscope-content",
    "otelscope-no-metrics",
    "agentscope-tracing",
    "loongsuite",
)


@dataclass
class Worker:
    line: int
    configuration: str
    process: subprocess.Popen[str]
    log: IO[str]
    # What the worker runs on: package versions and the telemetry set-up.
    ready: dict[str, Any] = field(default_factory=dict)
    # Replay steps of one call, per scenario whose spans differ in shape.
    steps: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"AgentScope {self.line}.x {self.configuration}"

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"{self.label} died; its output:\n{self._log_tail()}")
        return dict(json.loads(answer))

    def _log_tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return "".join(self.log.readlines()[-30:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.ask_nothing()
        self.log.close()

    def ask_nothing(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write('{"op": "quit"}\n')
        self.process.stdin.close()
        self.process.wait(timeout=30)


def venv_python(line: int, configuration: str) -> Path:
    venv = OWN_VENVS.get(configuration, ".venv/as{line}").format(line=line)
    return ROOT / venv / "bin" / "python"


def start_worker(line: int, configuration: str) -> Worker | None:
    python = venv_python(line, configuration)
    if not python.exists():
        print(f"skipped: AgentScope {line}.x {configuration} ({python} is missing)")
        return None
    # Content capture is chosen by each configuration, never by the caller's environment.
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
    }
    environment["PYTHONPATH"] = str(ROOT)
    environment["AGENTSCOPE_DISABLE_CONSOLE_OUTPUT"] = "true"
    # Closed in Worker.stop: it lives as long as the worker.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115
    process = subprocess.Popen(
        [str(python), "-m", "benchmarks.worker", configuration],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    worker = Worker(line, configuration, process, log)
    assert process.stdout is not None
    ready = process.stdout.readline()
    if not ready:
        raise RuntimeError(f"{worker.label} did not start; its output:\n{worker._log_tail()}")
    worker.ready = json.loads(ready)["ready"]
    return worker


def probe(worker: Worker) -> None:
    """Learn the shape of the worker's spans and check its calls answer."""
    for scenario in ("sequential", "streaming"):
        found = worker.ask({"op": "probe", "scenario": scenario})
        if not found["answered"]:
            raise RuntimeError(f"{worker.label}: the {scenario} call did not answer")
        if worker.configuration != "baseline" and found["spans"] == 0:
            raise RuntimeError(f"{worker.label}: the {scenario} call made no span")
        worker.steps[scenario] = found["steps"]
    # Overlapping calls make the same spans as sequential ones.
    worker.steps["overlapping"] = worker.steps["sequential"]


def span_tree(steps: list[Any]) -> list[tuple[str, int, str]]:
    """Each span's name, kind and parent's name, in start order."""
    starts = [step for step in steps if step[0] == "start"]
    names = {step[1]: step[2] for step in starts}
    return [(name, kind, names.get(parent, "")) for _, _, name, kind, _, parent in starts]


def compare_with_otelscope(workers: list[Worker]) -> None:
    """Warn when ``bare-spans`` does not make otelscope's spans: then it is
    no in-situ floor for otelscope."""
    found = {(worker.line, worker.configuration): worker for worker in workers}
    for line in sorted({worker.line for worker in workers}):
        bare, otelscope = found.get((line, "bare-spans")), found.get((line, "otelscope"))
        if bare is None or otelscope is None:
            continue
        for scenario in ("sequential", "streaming"):
            if span_tree(bare.steps[scenario]) != span_tree(otelscope.steps[scenario]):
                print(
                    f"WARNING: AgentScope {line}.x {scenario}: bare-spans does not make the "
                    f"spans otelscope makes:\n  {span_tree(bare.steps[scenario])}\n  "
                    f"{span_tree(otelscope.steps[scenario])}",
                    file=sys.stderr,
                    flush=True,
                )


@dataclass
class Measurements:
    """Raw results: (line, configuration, scenario) -> one answer per round."""

    blocks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The span floor: the probe call's spans replayed.
    floors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The telemetry floor: its spans and metric points replayed.
    telemetry_floors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @staticmethod
    def key(line: int, configuration: str, scenario: str) -> str:
        return f"{line}|{configuration}|{scenario}"


def run_round(workers: list[Worker], round_index: int, calls: int, results: Measurements) -> None:
    shift = round_index % len(workers)
    for scenario in SCENARIOS:
        for worker in workers[shift:] + workers[:shift]:
            answer = worker.ask({"op": "block", "scenario": scenario, "calls": calls})
            key = Measurements.key(worker.line, worker.configuration, scenario)
            results.blocks.setdefault(key, []).append(answer)
            if worker.configuration != "baseline":
                spans = floor_block(worker, scenario, calls, metrics=False)
                results.floors.setdefault(key, []).append(spans)
                # Without metric points the telemetry floor is the span floor.
                if any(step[0] == "metric" for step in worker.steps[scenario]):
                    telemetry = floor_block(worker, scenario, calls, metrics=True)
                else:
                    telemetry = dict(spans)
                results.telemetry_floors.setdefault(key, []).append(telemetry)


def floor_block(worker: Worker, scenario: str, calls: int, metrics: bool) -> dict[str, Any]:
    # The worker's own process replays its telemetry: same SDK, same interpreter.
    steps = worker.steps[scenario]
    return worker.ask({"op": "floor", "steps": steps, "repeats": calls, "metrics": metrics})


def measure(lines: tuple[int, ...], blocks: int, calls: int) -> tuple[Measurements, list[Worker]]:
    workers = [
        worker
        for line in lines
        for configuration in CONFIGURATIONS
        if (worker := start_worker(line, configuration)) is not None
    ]
    try:
        for worker in workers:
            probe(worker)
        compare_with_otelscope(workers)
        # One unrecorded round: imports, caches and first-call set-up.
        run_round(workers, 0, calls, Measurements())
        results = Measurements()
        for round_index in range(blocks):
            run_round(workers, round_index, calls, results)
            print(f"  round {round_index + 1}/{blocks} done", file=sys.stderr, flush=True)
        return results, workers
    finally:
        for worker in workers:
            worker.stop()
