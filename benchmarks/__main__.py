"""``python -m benchmarks``: otelscope's overhead next to the bare SDK and its peers.

Run it from the repository root with ``make bench``, which builds the venvs
first. It writes ``benchmarks/results/overhead.md``, ``overhead.json`` (every
block) and ``overhead.png``, and puts the tables between the overhead-table
markers of any README that has them. ``python -m benchmarks.memory`` is the
memory check.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from benchmarks import driver, report

RESULTS = driver.ROOT / "benchmarks" / "results"
README_START = "<!-- overhead table: start -->"
README_END = "<!-- overhead table: end -->"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--blocks", type=int, default=9, help="measured rounds (default 9)")
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
    lines = tuple(int(line) for line in options.lines.split(","))
    started = time.perf_counter()
    load = os.getloadavg()[0]
    results, workers = driver.measure(lines, options.blocks, options.calls)
    configurations = [(worker.line, worker.configuration) for worker in workers]
    rows = sorted(
        report.build_rows(results, configurations),
        key=lambda row: (row.line, driver.SCENARIOS.index(row.scenario)),
    )
    seconds = time.perf_counter() - started
    text = _markdown(rows, workers, options, load, seconds)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "overhead.md").write_text(text, encoding="utf-8")
    raw = {"rows": [row.as_dict() for row in rows], "blocks": results.blocks}
    raw["floors"] = results.floors
    raw["telemetry_floors"] = results.telemetry_floors
    (RESULTS / "overhead.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    if not report.plot(rows, str(RESULTS / "overhead.png")):
        print("matplotlib is not installed here: no plot (make bench installs it)")
    brief = (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, load average {load:.1f} at "
        "start; ratio of the CPU added per span to the span floor's per span (the same "
        "spans made by a bare SDK loop), then otelscope's ratio to its telemetry floor "
        "(spans and metric points made by a bare SDK loop) and to bare-spans (the same "
        "spans made in place with no logic), median over "
        f"{options.blocks} rounds:\n\n{report.summary(rows)}"
    )
    for readme in (driver.ROOT / "README.md", driver.ROOT / "benchmarks" / "README.md"):
        _show_in_readme(readme, brief)


def _markdown(
    rows: list[report.Row],
    workers: list[driver.Worker],
    options: argparse.Namespace,
    load: float,
    seconds: float,
) -> str:
    parts = [
        "# otelscope overhead\n\n",
        f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at start, {seconds:.0f} s. "
        f"{options.blocks} rounds x {options.calls} calls per block, process CPU time.\n\n",
        f"Spans: {workers[0].ready['spans']}. Metrics: {workers[0].ready['metrics']}.\n\n",
        "Added = CPU per call minus the baseline's in the same round; span floor = the "
        "same spans (names, kinds, attributes, nesting) made by a bare SDK loop; telemetry "
        "floor = those spans and the same metric points made by a bare SDK loop; ratio = "
        "added µs/span / floor µs/span; in-situ ratio = added µs/span / bare-spans' added "
        "µs/span in the same round. The target is judged against the span floor. Metric "
        "points per call are those of one probe call.\n\n",
        report.EXPLANATION,
    ]
    for line in sorted({row.line for row in rows}):
        parts.append(f"## AgentScope {line}.x\n\n{_versions(workers, line)}\n\n")
        for scenario in driver.SCENARIOS:
            chosen = [row for row in rows if row.line == line and row.scenario == scenario]
            parts.append(f"### {scenario}\n\n{report.table(chosen)}\n")
    return "".join(parts)


def _versions(workers: list[driver.Worker], line: int) -> str:
    found: dict[str, str] = {}
    for worker in workers:
        if worker.line == line:
            found |= worker.ready["versions"]
    return ", ".join(f"{name} {version}" for name, version in sorted(found.items()))


def _show_in_readme(readme: Path, text: str) -> None:
    """Put the latest tables between the README's markers, if it has them."""
    if not readme.exists():
        return
    content = readme.read_text(encoding="utf-8")
    if README_START not in content or README_END not in content:
        return
    before, rest = content.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    readme.write_text(f"{before}{README_START}\n{text}{README_END}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
