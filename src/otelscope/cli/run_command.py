"""``otelscope run``: start a program with otelscope active, then summarize.

The program runs as a child process with the bootstrap directory first on
its ``PYTHONPATH`` (see ``otelscope.cli.bootstrap``). The parent only waits:
it passes SIGINT and SIGTERM on, prints the summary the child's processes
reported, and exits with the program's own exit status.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from otelscope.cli import bootstrap
from otelscope.cli.export_plan import (
    LOCAL_STORE_ENV,
    STORE_DIR_ENV,
    default_store_dir,
    plan_from_env,
)
from otelscope.cli.run_report import COUNTS_FILE_ENV, read_report
from otelscope.cli.service_name import SERVICE_NAME_ENV, default_service_name
from otelscope.cli.summary import Ending, show_command, summary_lines

# The shell's exit statuses for a command it could not find or not execute.
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


def run_program(command: Sequence[str], store_dir: Path, *, local_store: bool) -> int:
    """Runs ``command`` traced; returns the exit status to leave with."""
    plan = plan_from_env(os.environ, store_dir.resolve(), local_store=local_store)
    with tempfile.TemporaryDirectory(prefix="otelscope-run-") as scratch:
        counts_file = Path(scratch) / "counts.jsonl"
        env = child_environment(command, store_dir, counts_file, local_store=local_store)
        try:
            process = subprocess.Popen(list(command), env=env)
        except OSError as failure:
            return _not_started(command, failure)
        with _signals_forwarded_to(process):
            returncode = process.wait()
        report = read_report(counts_file)
    killed_by = -returncode if returncode < 0 else None
    ending = Ending(killed_by, show_command(store_dir, default_store_dir()))
    for line in summary_lines(report, plan, ending):
        print(line, file=sys.stderr)
    # A program killed by a signal leaves with the shell's status for it.
    return 128 + killed_by if killed_by is not None else returncode


def _not_started(command: Sequence[str], failure: OSError) -> int:
    """Says why ``command`` could not start, as a shell would; returns its status."""
    program = command[0]
    if isinstance(failure, FileNotFoundError):
        reason, status = "command not found", EXIT_NOT_FOUND
    elif isinstance(failure, PermissionError):
        reason, status = "permission denied", EXIT_NOT_EXECUTABLE
    else:
        reason, status = f"cannot execute ({failure.strerror or failure})", EXIT_NOT_EXECUTABLE
    print(f"otelscope: {program}: {reason}", file=sys.stderr)
    if _looks_like_a_script(program):
        suggestion = shlex.join(["otelscope", "run", "python", *command])
        print(f"otelscope: did you mean: {suggestion}", file=sys.stderr)
    return status


def _looks_like_a_script(program: str) -> bool:
    """A Python file, or a file without the permission to execute it."""
    path = Path(program)
    return path.suffix == ".py" or (path.is_file() and not os.access(path, os.X_OK))


def child_environment(
    command: Sequence[str], store_dir: Path, counts_file: Path, *, local_store: bool
) -> dict[str, str]:
    env = dict(os.environ)
    bootstrap_dir = str(Path(bootstrap.__file__).resolve().parent)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = bootstrap_dir + (os.pathsep + existing if existing else "")
    # Absolute, so a program that changes directory still finds the same store.
    env[STORE_DIR_ENV] = str(store_dir.resolve())
    if local_store:
        env[LOCAL_STORE_ENV] = "always"
    env[COUNTS_FILE_ENV] = str(counts_file)
    # Each Python process of the run names itself after its own script or
    # module; this is the name of those whose command names none.
    env[SERVICE_NAME_ENV] = default_service_name(command)
    return env


@contextmanager
def _signals_forwarded_to(process: subprocess.Popen[bytes]) -> Iterator[None]:
    def forward(signum: int, frame: FrameType | None) -> None:
        # Ctrl-C at a terminal reaches the whole foreground group, the program
        # included; passing it on again would interrupt the program twice.
        if signum == signal.SIGINT and _in_terminal_foreground():
            return
        if process.poll() is None:
            process.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _in_terminal_foreground() -> bool:
    for descriptor in (0, 1, 2):
        try:
            return os.tcgetpgrp(descriptor) == os.getpgrp()
        except OSError:
            continue
    return False
