"""Each process of a run names itself after its own script or module."""

from __future__ import annotations

import pytest

from otelscope.cli.child import own_service_name
from otelscope.cli.service_name import SERVICE_NAME_ENV, program_name

# How multiprocessing's spawn and forkserver start methods run a worker.
SPAWNED_WORKER = [
    "/usr/bin/python3",
    "-B",
    "-s",
    "-c",
    "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)",
    "--multiprocessing-fork",
]


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["/srv/.venv/bin/python", "tools/calc_server.py", "--stdio"], "calc_server"),
        (["python3", "-Im", "shop.server"], "shop.server"),
        (["python3", "-mshop.server"], "shop.server"),
        (["python", "-W", "ignore", "-X", "dev", "app.py"], "app"),
        (["python", "-Wignore", "-u", "app.py"], "app"),
        (["python", "--check-hash-based-pycs", "never", "app.py"], "app"),
        # A console script: the kernel runs the interpreter on it.
        (["/srv/.venv/bin/python3.11", "/srv/.venv/bin/mcp-server-time"], "mcp-server-time"),
        (["node", "server.js"], "node"),
        (["python", "-c", "print(1)"], None),
        (["python", "-uc", "print(1)"], None),
        (["python", "-"], None),
        (["python", "-i"], None),
        ([], None),
        (SPAWNED_WORKER, None),
    ],
)
def test_the_program_a_command_runs(command, name) -> None:
    assert program_name(command) == name


def test_a_process_is_named_after_its_program_else_after_the_one_that_started_it() -> None:
    started_by_agent = {SERVICE_NAME_ENV: "agent"}
    assert own_service_name(["python", "calc_server.py"], started_by_agent) == "calc_server"
    assert own_service_name(["python", "calc_server.py"], {}) == "calc_server"
    # A worker or `-c` code is part of whatever started it.
    assert own_service_name(SPAWNED_WORKER, started_by_agent) == "agent"
    assert own_service_name(["python", "-c", "pass"], {}) == "python"
