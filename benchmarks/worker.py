"""One configuration of the benchmark in its own process.

``python -m benchmarks.worker CONFIGURATION`` sets the configuration up once,
then answers one JSON command per line on stdin with one JSON line:

- ``{"op": "probe", "scenario": S}``: one call; the replay steps of its spans
  and of the metric points it recorded.
- ``{"op": "block", "scenario": S, "calls": N}``: N calls; their process CPU,
  wall time and the number of spans exported.
- ``{"op": "floor", "steps": [...], "repeats": N, "metrics": M}``: a bare-SDK
  floor, N replays of the steps, in the same interpreter and SDK as the
  calls: the span floor (M false: spans only) or the telemetry floor (M true:
  spans and metric points).

AgentScope and the instrumentations may print; the answers go to a copy of
the original stdout taken before anything else ran, so nothing can mix in.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from typing import Any

from benchmarks import configurations, floor
from benchmarks.pipeline import METRICS_SET_UP, SPANS_SET_UP, Pipeline

SCENARIOS = {
    # name: (agents, overlapping calls per batch, streaming model)
    "sequential": (1, 1, False),
    "overlapping": (16, 16, False),
    "streaming": (1, 1, True),
}


class Worker:
    def __init__(self, configuration: str) -> None:
        self.pipeline = Pipeline()
        self.pipeline.install_globally()
        self.native_tracing = configurations.set_up(configuration, self.pipeline)
        self.workload_module = configurations.workload_module()
        self.loop = asyncio.new_event_loop()
        self.workloads: dict[str, Any] = {}
        self.floor_tracer = self.pipeline.tracer_provider.get_tracer("bench-floor")
        self.floor_instruments = floor.Instruments(
            self.pipeline.meter_provider.get_meter("bench-floor")
        )

    def workload(self, scenario: str) -> Any:
        if scenario not in self.workloads:
            agents, _, stream = SCENARIOS[scenario]
            self.workloads[scenario] = self.workload_module.Workload(
                agents, stream, self.native_tracing
            )
        return self.workloads[scenario]

    async def _calls(self, scenario: str, calls: int) -> None:
        workload = self.workload(scenario)
        _, overlap, _ = SCENARIOS[scenario]
        for _ in range(calls // overlap):
            await asyncio.gather(*(workload.call(index) for index in range(overlap)))

    def probe(self, scenario: str) -> dict[str, Any]:
        exporter = self.pipeline.exporter
        exporter.kept = []
        with floor.metric_capture() as points:
            reply = self.loop.run_until_complete(self.workload(scenario).call(0))
        steps = floor.shape_of(exporter.kept, points)
        exporter.kept = None
        answered = self.workload_module.answer_of(reply) == self.workload_module.ANSWER
        return {
            "steps": steps,
            "spans": floor.spans_in(steps),
            "points": floor.points_in(steps),
            "answered": answered,
        }

    def block(self, scenario: str, calls: int) -> dict[str, Any]:
        exported = self.pipeline.exporter.exported
        # Each block starts from the same collector state; collections during
        # the block are part of the cost being measured.
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        self.loop.run_until_complete(self._calls(scenario, calls))
        return {
            "cpu": time.process_time() - cpu,
            "wall": time.perf_counter() - wall,
            "spans": self.pipeline.exporter.exported - exported,
            "calls": calls,
        }

    def floor(self, steps: list[Any], repeats: int, metrics: bool) -> dict[str, Any]:
        prepared = floor.prepare(steps, self.floor_instruments if metrics else None)
        gc.collect()
        cpu = floor.time_replays(self.floor_tracer, prepared, repeats)
        return {
            "cpu": cpu,
            "spans": floor.spans_in(prepared) * repeats,
            "points": floor.points_in(prepared) * repeats,
            "calls": repeats,
        }

    def answer(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command["op"]
        if op == "probe":
            return self.probe(command["scenario"])
        if op == "block":
            return self.block(command["scenario"], command["calls"])
        if op == "floor":
            return self.floor(command["steps"], command["repeats"], command["metrics"])
        raise ValueError(f"unknown command {op!r}")


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    # Anything printed from here on goes to stderr, away from the answers.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    worker = Worker(sys.argv[1])
    ready = {
        "versions": configurations.versions(),
        "spans": SPANS_SET_UP,
        "metrics": METRICS_SET_UP,
    }
    answers.write(json.dumps({"ready": ready}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        answers.write(json.dumps(worker.answer(command)) + "\n")


if __name__ == "__main__":
    main()
