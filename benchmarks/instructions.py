"""CPU instructions per agent call, counted by Valgrind's callgrind.

Timing on a small, shared machine is noisy (a block's CPU per call moves by
20 to 50 per cent), too noisy to tell whether a change to otelscope's hot
path helped. An instruction count is nearly deterministic: the same code
on the same input executes the same instructions, run after run. This module counts
them, per configuration of the benchmark (``benchmarks.configurations``) and
per AgentScope line.

Method: ``run CONFIGURATION N`` runs under
``valgrind --tool=callgrind --callgrind-out-file=/dev/null``. It sets the
configuration up on the benchmark's pipeline (``benchmarks.pipeline``),
makes 20 warm-up calls on one agent, then N calls. Callgrind's "Collected"
line gives the instructions (Ir) the whole process executed; the same run
with N=10 and N=110 differs only by 100 calls, so (Ir(110) - Ir(10)) / 100
is the count per call, with the interpreter's start-up, the imports, the
set-up and the warm-up cancelled out.

What is left of chance: hash randomization is fixed (``PYTHONHASHSEED=0``),
and OpenBLAS (numpy, which AgentScope imports) runs on the calling thread
(``OPENBLAS_NUM_THREADS=1``): its idle worker threads spin for as long as
the scheduler lets them, which added millions of instructions at random.
Even so, start-up is not quite the same from run to run: importing the
packages alone varied by about 1 million instructions (out of 6.6 billion)
on 2.x, 0.2 million on 1.x (addresses differ, and so do the hash tables and
caches keyed on them). That varies with the process, not with N, hence the
100 calls between the two runs: about 0.01 million per call. And the heap
left by start-up and warm-up is frozen (``gc.freeze()``) before the counted
calls: otherwise a full collection, walking that whole heap, fell in one
window of calls and not in another, which moved counts per call by 0.1 to
0.2 million. The calls' own garbage is still collected and counted.

Configurations: those of ``benchmarks.configurations`` (``baseline``,
``bare-spans``, ``otelscope``, ``otelscope-content``, ``otelscope-no-metrics``),
plus:

- ``otelscope-noop``: otelscope with a ``NoOpTracerProvider`` and a
  ``NoOpMeterProvider``: the instructions of otelscope's own logic alone,
  with no SDK work behind its spans and metric points;
- ``span-floor`` and ``telemetry-floor``: the bare-SDK floors of
  ``benchmarks.floor``: one probe call with ``otelscope`` gives the shape of
  its spans (and its metric points), replayed by a bare SDK loop without
  (span floor) and with (telemetry floor) the metric points; counted per
  replay.

``report`` drives the runs, at most two valgrind processes at a time (on
2 cores), each in its line's venv, and writes
``benchmarks/results/instructions.md`` and ``instructions.json``. Driving
needs only the standard library; ``run`` needs a line's venv.

Instructions are not time: cache misses and branch mispredictions, which
dominate a call in situ, are not counted, so the timed ``make bench`` stays
the reference for otelscope's target. Instruction counts tell whether a
change to the hot path does less work.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
WARM_UP = 20
SHORT, LONG = 10, 110
FLOORS = ("span-floor", "telemetry-floor")
CONFIGURATIONS = (
    "baseline",
    "bare-spans",
    "otelscope-noop",
    "otelscope-no-metrics",
    "otelscope",
    "otelscope-content",
    *FLOORS,
)
# scenario: streaming model; one agent, sequential calls in both.
SCENARIOS = {"sequential": False, "streaming": True}
COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.MULTILINE)


# The run: one configuration, N calls, inside valgrind.


def run(configuration: str, calls: int, stream: bool) -> None:
    """Set ``configuration`` up, warm up, make ``calls`` calls (or floor
    replays), and print one JSON line: what was made, and the versions."""
    # The answer goes to a copy of stdout; anything else printed goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    import asyncio
    import gc

    from benchmarks import configurations, floor
    from benchmarks.pipeline import Pipeline

    pipeline = Pipeline()
    pipeline.install_globally()
    native_tracing = _set_up(configuration, pipeline)
    workload_module = configurations.workload_module()
    workload = workload_module.Workload(1, stream, native_tracing)
    loop = asyncio.new_event_loop()

    async def agent_calls(count: int) -> Any:
        reply = None
        for _ in range(count):
            reply = await workload.call(0)
        return reply

    reply = loop.run_until_complete(agent_calls(WARM_UP))
    made: dict[str, Any] = {}
    if configuration in FLOORS:
        # One probe call gives the shape; the floor replays it.
        pipeline.exporter.kept = []
        with floor.metric_capture() as points:
            reply = loop.run_until_complete(workload.call(0))
        steps = floor.shape_of(pipeline.exporter.kept, points)
        pipeline.exporter.kept = None
        meter = pipeline.meter_provider.get_meter("bench-floor")
        instruments = floor.Instruments(meter) if configuration == "telemetry-floor" else None
        prepared = floor.prepare(steps, instruments)
        tracer = pipeline.tracer_provider.get_tracer("bench-floor")
        for _ in range(WARM_UP):
            floor.replay(tracer, prepared)
        _settle(gc)
        for _ in range(calls):
            floor.replay(tracer, prepared)
        made = {"spans": floor.spans_in(prepared), "points": floor.points_in(prepared)}
    else:
        _settle(gc)
        exported = pipeline.exporter.exported
        reply = loop.run_until_complete(agent_calls(calls))
        made = {"spans": (pipeline.exporter.exported - exported) / calls}
    answered = workload_module.answer_of(reply) == workload_module.ANSWER
    answer = {"answered": answered, "versions": configurations.versions(), **made}
    answers.write(json.dumps(answer) + "\n")
    if not answered:
        sys.exit(f"{configuration}: the call did not answer")


def _settle(gc: Any) -> None:
    """Collect, then freeze what start-up and warm-up left: the collector's
    full passes would otherwise walk that whole heap (hundreds of thousands of
    objects) once in a while, a lump that falls inside one run's calls and
    not the other's. The calls' own objects are still collected and counted."""
    gc.collect()
    gc.freeze()


def _set_up(configuration: str, pipeline: Any) -> bool:
    from benchmarks import configurations

    if configuration == "otelscope-noop":
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.trace import NoOpTracerProvider

        from otelscope import AgentScopeInstrumentor

        AgentScopeInstrumentor().instrument(
            tracer_provider=NoOpTracerProvider(),
            meter_provider=NoOpMeterProvider(),
            capture_content="NO_CONTENT",
        )
        return False
    if configuration in FLOORS:
        return configurations.set_up("otelscope", pipeline)
    return configurations.set_up(configuration, pipeline)


# The driver: every run under valgrind, then the report.


def count(python: Path, configuration: str, calls: int, stream: bool) -> dict[str, Any]:
    """Total instructions of one run under callgrind, and the run's answer."""
    command = [
        _valgrind(),
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        str(python),
        "-m",
        "benchmarks.instructions",
        "run",
        configuration,
        str(calls),
        *(["--stream"] if stream else []),
    ]
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
    }
    environment |= {
        "PYTHONPATH": str(ROOT),
        "PYTHONHASHSEED": "0",
        "AGENTSCOPE_DISABLE_CONSOLE_OUTPUT": "true",
        # Idle BLAS threads spin for a time the scheduler decides: none.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    collected = COLLECTED.search(done.stderr)
    if done.returncode != 0 or collected is None:
        tail = "\n".join(done.stderr.splitlines()[-30:])
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{tail}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return {"instructions": int(collected.group(1)), **answer}


def _valgrind() -> str:
    found = shutil.which("valgrind")
    if found is None:
        sys.exit("valgrind is not installed (make bench-instructions installs it)")
    return found


def measure(
    pythons: dict[int, Path], scenarios: list[str], configurations: list[str], jobs: int
) -> dict[tuple[int, str, str], dict[int, dict[str, Any]]]:
    """(line, scenario, configuration) -> {N: the run's count}, ``jobs`` runs at a time."""
    runs = [
        (line, scenario, configuration, calls)
        # The longest runs first (2.x, then N=40), so the two queues end together.
        for line in sorted(pythons, reverse=True)
        for calls in (LONG, SHORT)
        for scenario in scenarios
        for configuration in configurations
    ]
    found: dict[tuple[int, str, str], dict[int, dict[str, Any]]] = {}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending: dict[Future[dict[str, Any]], tuple[int, str, str, int]] = {
            pool.submit(count, pythons[line], configuration, calls, SCENARIOS[scenario]): (
                line,
                scenario,
                configuration,
                calls,
            )
            for line, scenario, configuration, calls in runs
        }
        for done, future in enumerate(as_completed(pending), start=1):
            line, scenario, configuration, calls = pending[future]
            try:
                result = future.result()
            except BaseException:
                for other in pending:
                    other.cancel()
                raise
            found.setdefault((line, scenario, configuration), {})[calls] = result
            print(
                f"[{done:2}/{len(runs)}] {line}.x {scenario} {configuration} N={calls}: "
                f"{result['instructions']:,} instructions "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    return found


def summarise(runs: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    """Per call, added over baseline, otelscope's decomposition and the ratios
    of one line and scenario, from each configuration's two runs."""
    per_call = {
        name: (counted[LONG]["instructions"] - counted[SHORT]["instructions"]) / (LONG - SHORT)
        for name, counted in runs.items()
    }
    added = {}
    if "baseline" in per_call:
        added = {
            name: value - per_call["baseline"]
            for name, value in per_call.items()
            if name not in FLOORS
        }
    parts = {
        "otelscope logic": ("otelscope-noop", "baseline"),
        "SDK spans": ("otelscope-no-metrics", "otelscope-noop"),
        "SDK metric points": ("otelscope", "otelscope-no-metrics"),
        "content capture": ("otelscope-content", "otelscope"),
    }
    decomposition = {
        part: per_call[minuend] - per_call[subtrahend]
        for part, (minuend, subtrahend) in parts.items()
        if minuend in per_call and subtrahend in per_call
    }
    # Added instructions per call over a floor's per replay, or over bare-spans' added.
    references = {
        "span floor": per_call.get("span-floor"),
        "telemetry floor": per_call.get("telemetry-floor"),
        "bare-spans added": added.get("bare-spans"),
    }
    pairs = (
        ("otelscope", "span floor"),
        ("otelscope", "telemetry floor"),
        ("otelscope", "bare-spans added"),
        ("bare-spans", "span floor"),
    )
    ratios = {
        f"{dividend} added / {reference}": added[dividend] / divisor
        for dividend, reference in pairs
        if dividend in added and (divisor := references[reference])
    }
    return {
        "per_call": per_call,
        "added": added,
        "made": {
            name: {key: counted[LONG][key] for key in ("spans", "points") if key in counted[LONG]}
            for name, counted in runs.items()
        },
        "decomposition": decomposition,
        "ratios": ratios,
        "instructions": {
            name: {str(calls): counted[calls]["instructions"] for calls in (SHORT, LONG)}
            for name, counted in runs.items()
        },
    }


def markdown(results: list[dict[str, Any]], header: dict[str, Any]) -> str:
    parts = [
        "# otelscope: CPU instructions per call\n\n",
        f"{header['date']}, {header['valgrind']}, Python {header['python']}, "
        f"{header['seconds']:.0f} s. Instructions (Ir) counted by callgrind over a whole "
        f"process: {WARM_UP} warm-up calls, then N calls on one agent; per call = "
        f"(Ir(N={LONG}) - Ir(N={SHORT})) / {LONG - SHORT}, so start-up and set-up cancel "
        "out. M = million instructions. The floors are counted per replay of the spans "
        "(and, for the telemetry floor, the metric points) of one otelscope call, made by a "
        "bare SDK loop. Every configuration writes to the same pipeline as `make bench`: "
        "an SDK TracerProvider, a SimpleSpanProcessor and an exporter that drops every span; "
        "an SDK MeterProvider with an InMemoryMetricReader.\n\n",
        "Hash randomization is fixed and OpenBLAS runs without threads; start-up still "
        "varies from run to run by up to about 1 M instructions (out of 6,000 to 7,000 M), "
        f"which the {LONG - SHORT} calls between the two runs bring to about 0.01 M per "
        "call. Instruction counts are that reproducible, but they are not time: cache misses and "
        "branch mispredictions, which dominate a call in situ, are not counted. They tell "
        "whether a change does less work; the timed `make bench` stays the reference for "
        "otelscope's target.\n\n",
    ]
    if header.get("sources_changed"):
        parts.append(
            "**Warning: otelscope's sources changed during the run; the counts may mix "
            "two versions of it.**\n\n"
        )
    for result in results:
        versions = ", ".join(f"{name} {value}" for name, value in result["versions"].items())
        parts.append(f"## AgentScope {result['line']}.x, {result['scenario']}\n\n{versions}\n\n")
        parts.append(_tables(result))
    return "".join(parts)


def _tables(result: dict[str, Any]) -> str:
    per_call, added, made = result["per_call"], result["added"], result["made"]
    rows = [
        "| configuration | instructions per call | added over baseline | spans per call |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, value in per_call.items():
        extra = f"{added[name] / 1e6:.2f} M" if name in added and name != "baseline" else ""
        shape = f"{made[name]['spans']:g}"
        if made[name].get("points"):
            shape += f" (and {made[name]['points']} metric points)"
        label = f"{name} (per replay)" if name in FLOORS else name
        rows.append(f"| {label} | {value / 1e6:.2f} M | {extra} | {shape} |")
    text = "\n".join(rows) + "\n\n"
    decomposition = result["decomposition"]
    if decomposition:
        total = added.get("otelscope")
        lines = [
            "Where otelscope's added instructions go:\n",
            "| part | computed as | instructions per call | share of otelscope's added |",
            "| --- | --- | ---: | ---: |",
        ]
        formulas = {
            "otelscope logic": "otelscope-noop - baseline",
            "SDK spans": "otelscope-no-metrics - otelscope-noop",
            "SDK metric points": "otelscope - otelscope-no-metrics",
            "content capture": "otelscope-content - otelscope (on top, content on)",
        }
        for part, value in decomposition.items():
            share = f"{value / total:.0%}" if total else ""
            lines.append(f"| {part} | {formulas[part]} | {value / 1e6:.2f} M | {share} |")
        if total is not None:
            lines.append(f"| otelscope added | otelscope - baseline | {total / 1e6:.2f} M | 100% |")
        text += "\n".join(lines) + "\n\n"
    if result["ratios"]:
        lines = ["| ratio | value |", "| --- | ---: |"]
        lines += [f"| {name} | {value:.2f} |" for name, value in result["ratios"].items()]
        text += "\n".join(lines) + "\n\n"
    return text


def _sources_digest() -> str:
    """A digest of otelscope's sources, to notice them changing during a run."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "otelscope").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _chosen(text: str, known: tuple[str, ...], what: str) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in known]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen


def report(options: argparse.Namespace) -> None:
    lines = [int(line) for line in _chosen(options.lines, ("1", "2"), "lines")]
    scenarios = _chosen(options.scenarios, tuple(SCENARIOS), "scenarios")
    configurations = _chosen(options.configurations, CONFIGURATIONS, "configurations")
    venvs = {1: options.venv_as1, 2: options.venv_as2}
    pythons = {line: (ROOT / venvs[line]).absolute() / "bin" / "python" for line in lines}
    for line, python in pythons.items():
        if not python.exists():
            sys.exit(f"{python} is missing: build the AgentScope {line}.x venv first")
        # Compiled once here, not by whichever run imports first.
        subprocess.run(
            [str(python), "-m", "compileall", "-q", "src/otelscope", "benchmarks"],
            cwd=ROOT,
            check=True,
        )
    valgrind = subprocess.run(
        [_valgrind(), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest = _sources_digest()
    started = time.perf_counter()
    found = measure(pythons, scenarios, configurations, options.jobs)
    results = []
    for line in lines:
        for scenario in scenarios:
            runs = {name: found[(line, scenario, name)] for name in configurations}
            versions = next(iter(runs.values()))[LONG]["versions"]
            summary = summarise(runs)
            results.append({"line": line, "scenario": scenario, "versions": versions, **summary})
    header = {
        "date": time.strftime("%Y-%m-%d"),
        "valgrind": valgrind,
        "python": platform.python_version(),
        "seconds": time.perf_counter() - started,
        "sources_changed": _sources_digest() != digest,
    }
    text = markdown(results, header)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "instructions.md").write_text(text, encoding="utf-8")
    raw = {**header, "warm_up": WARM_UP, "calls": [SHORT, LONG], "results": results}
    (RESULTS / "instructions.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.instructions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run", help="one run, inside valgrind (in a line's venv)")
    one.add_argument("configuration", choices=CONFIGURATIONS)
    one.add_argument("calls", type=int)
    one.add_argument("--stream", action="store_true", help="a streaming model")
    every = commands.add_parser("report", help="count every configuration and write the report")
    every.add_argument("--lines", default="1,2", help="AgentScope lines (default 1,2)")
    every.add_argument(
        "--scenarios",
        default="sequential",
        help="sequential and/or streaming, comma-separated (default sequential)",
    )
    every.add_argument(
        "--configurations",
        default=",".join(CONFIGURATIONS),
        help="comma-separated (default: all of them)",
    )
    every.add_argument("--venv-as1", default=".venv/as1", help="AgentScope 1.x venv")
    every.add_argument("--venv-as2", default=".venv/as2", help="AgentScope 2.x venv")
    every.add_argument("--jobs", type=int, default=2, help="valgrind runs at a time (default 2)")
    return parser.parse_args()


def main() -> None:
    options = arguments()
    if options.command == "run":
        run(options.configuration, options.calls, options.stream)
    else:
        report(options)


if __name__ == "__main__":
    main()
