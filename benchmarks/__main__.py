"""``python -m benchmarks``: what otelscope adds to an AgentScope call, against its targets.

Run it from the repository root with ``make bench``, which builds the venvs first. One worker
process per (AgentScope line, configuration), each in the venv that holds its instrumentation
(``benchmarks.worker``), driven round by round (``run_round``). It prints the tables and writes
them to ``benchmarks/results/overhead.md``, with every block in ``overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from benchmarks import floor, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SCENARIOS = ("sequential", "overlapping", "streaming")
# bare-spans starts last: it makes its spans with the attributes otelscope's probe found.
FIRST = ("baseline", *report.OTELSCOPE, *report.PEERS)


class Worker:
    def __init__(self, line: int, name: str, environment: dict[str, str]) -> None:
        self.line, self.name, self.label = line, name, f"AgentScope {line}.x {name}"
        venv = f"bench-{name}-as{line}" if name in report.PEERS else f"as{line}"
        python = ROOT / ".venv" / venv / "bin" / "python"
        if not python.exists():
            raise SystemExit(f"{python} is missing: run `make bench`, which builds it")
        # Closed in stop(): it lives as long as the worker.
        self.log: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115
        environment = {**environment, "PYTHONPATH": str(ROOT)}
        environment["AGENTSCOPE_DISABLE_CONSOLE_OUTPUT"] = "true"
        # OpenBLAS (numpy's, which AgentScope imports) otherwise keeps a thread that spins at
        # random and moved a block's CPU per call by half.
        environment["OPENBLAS_NUM_THREADS"] = "1"
        self.process = subprocess.Popen(
            [str(python), "-m", "benchmarks.worker", name],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.versions: dict[str, str] = {}
        # Per scenario: one call's span tree ("shape") and metric points ("points").
        self.probes: dict[str, dict[str, Any]] = {}

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        answer = self.process.stdout.readline()
        if not answer:
            self.log.seek(0)
            tail = "".join(self.log.readlines()[-30:])
            raise RuntimeError(f"{self.label} died; its output:\n{tail}")
        return dict(json.loads(answer))

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def probe(self) -> None:
        for scenario in ("sequential", "streaming"):
            found = self.ask({"op": "probe", "scenario": scenario})
            if not found["answered"]:
                raise RuntimeError(f"{self.label}: the {scenario} call did not answer")
            if not found["shape"] and self.name not in ("baseline", "otelscope-sampled-out"):
                raise RuntimeError(f"{self.label}: the {scenario} call made no span")
            self.probes[scenario] = {"shape": found["shape"], "points": found["points"]}
        # Overlapping calls make the same spans and points as sequential ones.
        self.probes["overlapping"] = self.probes["sequential"]

    def stop(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            self.process.stdin.write('{"op": "quit"}\n')
            self.process.stdin.close()
            self.process.wait(timeout=60)
        self.log.close()


def start(line: int, names: tuple[str, ...], environment: dict[str, str]) -> list[Worker]:
    workers = [Worker(line, name, environment) for name in names]
    for worker in workers:
        worker.versions = worker.read()["ready"]
        worker.probe()
    return workers


def span_attributes(otelscope: Worker) -> dict[str, Any]:
    """otelscope's attributes per kind of span, for bare-spans to make the same spans."""
    found: dict[str, Any] = {}
    for scenario in ("sequential", "streaming"):
        for name, _, attributes, _ in floor.walk(otelscope.probes[scenario]["shape"]):
            kind = name.split(" ", 1)[0]
            found.setdefault(f"{kind} stream" if scenario == "streaming" else kind, attributes)
    return found


def check_spans(workers: list[Worker]) -> None:
    """Warn when bare-spans or otelscope-metrics make other spans than otelscope."""
    otelscope = {worker.line: worker for worker in workers if worker.name == "otelscope"}
    for worker in (w for w in workers if w.name in ("bare-spans", "otelscope-metrics")):
        for scenario in ("sequential", "streaming"):
            mine = floor.outline(worker.probes[scenario]["shape"])
            theirs = floor.outline(otelscope[worker.line].probes[scenario]["shape"])
            if mine != theirs:
                warning = f"WARNING: {worker.label} {scenario}: other spans than otelscope's"
                print(f"{warning}:\n  {mine}\n  {theirs}", file=sys.stderr)


def floor_of(worker: Worker, otelscope: Worker, scenario: str) -> dict[str, Any] | None:
    """What a worker's floor replays: its own spans and metric points (otelscope-sampled-out:
    otelscope's spans); None: no floor."""
    if worker.name == "otelscope-sampled-out":
        return {"shape": otelscope.probes[scenario]["shape"], "points": []}
    if worker.name in ("bare-spans", "otelscope", "otelscope-metrics"):
        return worker.probes[scenario]
    return None


def run_round(workers: list[Worker], index: int, calls: int, results: dict[str, list[Any]]) -> None:
    """Per scenario and line: the baseline, the other workers in an order rotated from round
    to round, each followed by its floor, then the baseline again; the baseline's figure is
    the two blocks' mean, taken as close as can be to the blocks it is subtracted from."""
    for scenario in SCENARIOS:
        for line in dict.fromkeys(worker.line for worker in workers):
            mine = {w.name: w for w in workers if w.line == line}
            others = [w for w in mine.values() if w.name != "baseline"]
            shift = index % len(others)
            before = mine["baseline"].ask({"op": "block", "scenario": scenario, "calls": calls})
            for worker in others[shift:] + others[:shift]:
                key = report.key(line, worker.name, scenario)
                block = worker.ask({"op": "block", "scenario": scenario, "calls": calls})
                results.setdefault(key, []).append(block)
                replayed = floor_of(worker, mine["otelscope"], scenario)
                if replayed is not None:
                    answer = worker.ask({"op": "floor", "calls": calls, **replayed})
                    answer["spans"] = floor.count(replayed["shape"]) * calls
                    answer["points"] = sum(point[5] for point in replayed["points"]) * calls
                    results.setdefault(f"{key}|floor", []).append(answer)
            after = mine["baseline"].ask({"op": "block", "scenario": scenario, "calls": calls})
            both = {name: before[name] + after[name] for name in ("cpu", "calls", "spans")}
            results.setdefault(report.key(line, "baseline", scenario), []).append(both)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rounds", type=int, default=40, help="measured rounds (default 40)")
    parser.add_argument(
        "--calls", type=int, default=32, help="calls per block, a multiple of 16 (default 32)"
    )
    parser.add_argument("--lines", default="1,2", help="AgentScope lines (default 1,2)")
    options = parser.parse_args()
    if options.calls % 16:
        parser.error("--calls must be a multiple of 16 (the overlapping scenario's batch)")
    return options


def main() -> None:
    options = arguments()
    lines = [int(line) for line in options.lines.split(",")]
    load, started = os.getloadavg()[0], time.perf_counter()
    # Content capture is chosen by each configuration, never by the caller's environment.
    environment = dict(os.environ)
    environment.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    workers: list[Worker] = []
    try:
        for line in lines:
            workers += start(line, FIRST, environment)
            otelscope = next(w for w in workers if (w.line, w.name) == (line, "otelscope"))
            bare = {**environment, "BENCH_SPAN_ATTRIBUTES": json.dumps(span_attributes(otelscope))}
            workers += start(line, ("bare-spans",), bare)
        check_spans(workers)
        # One unrecorded round: imports, caches and first calls.
        run_round(workers, 0, options.calls, {})
        results: dict[str, list[Any]] = {}
        for index in range(options.rounds):
            run_round(workers, index, options.calls, results)
            print(f"  round {index + 1}/{options.rounds} done", file=sys.stderr, flush=True)
    finally:
        for worker in workers:
            worker.stop()
    seconds = time.perf_counter() - started
    head = (
        f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at start and "
        f"{os.getloadavg()[0]:.1f} at the end, {seconds:.0f} s; "
        f"{options.rounds} rounds of {options.calls} calls per block, process CPU time."
    )
    versions = {line: {} for line in lines}
    for worker in workers:
        versions[worker.line] |= worker.versions
    text = report.markdown(results, lines, SCENARIOS, head, versions)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "overhead.md").write_text(text, encoding="utf-8")
    raw = {"summary": report.figures(results, lines, SCENARIOS), "blocks": results}
    (RESULTS / "overhead.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
