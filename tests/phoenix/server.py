"""An Arize Phoenix server on loopback, started from its own venv for one test module.

Phoenix is a separate program (``.venv/phoenix``, built from
``requirements/phoenix.txt``) so that its many dependencies never share a venv
with otelscope's tests. It keeps its SQLite database in a fresh working
directory, so every run starts from an empty backend.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from tests.phoenix.api import LOOPBACK

REPO_ROOT = Path(__file__).resolve().parents[2]
PHOENIX_COMMAND = REPO_ROOT / ".venv" / "phoenix" / "bin" / "phoenix"

# A cold start runs Phoenix's database migrations, which take a minute on a busy machine.
READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0
LOG_TAIL_LINES = 40

# Nothing may leave the machine: no analytics pixels, web fonts or sandbox downloads,
# and neither the MCP server nor the assistant, which the tests do not use.
_OFFLINE_SETTINGS = {
    "PHOENIX_TELEMETRY_ENABLED": "false",
    "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
    "PHOENIX_ENABLE_MCP_SERVER": "false",
    "PHOENIX_DISABLE_AGENT_ASSISTANT": "true",
}


class PhoenixFailed(AssertionError):
    """Phoenix could not start; the message ends with the tail of its log."""


class PhoenixServer:
    def __init__(self, working_dir: Path) -> None:
        self.working_dir = working_dir
        self.log_path = working_dir / "phoenix.log"
        self.http_port, self.grpc_port = free_loopback_ports(2)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Phoenix's web server: its UI, its REST API and its OTLP/HTTP receiver."""
        return f"http://{LOOPBACK}:{self.http_port}"

    def start(self) -> None:
        if not PHOENIX_COMMAND.exists():
            raise PhoenixFailed(
                f"{PHOENIX_COMMAND} is missing: run `make .venv/phoenix/.installed`"
            )
        # The child keeps its own descriptor of the log; the parent's closes here.
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(PHOENIX_COMMAND), "serve"],
                cwd=self.working_dir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()

    def stop(self) -> None:
        """Terminate Phoenix, and kill it if it has not exited within the timeout."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self) -> str:
        if not self.log_path.exists():
            return "(no log written)"
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def _environment(self) -> dict[str, str]:
        # Phoenix's own settings and OpenTelemetry variables of the calling shell must not
        # reach it: the test decides where it listens and where it keeps its data.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PHOENIX_", "OTEL_"))
        }
        env.update(_OFFLINE_SETTINGS)
        env.update(
            PHOENIX_HOST=LOOPBACK,
            PHOENIX_PORT=str(self.http_port),
            # Phoenix binds its gRPC receiver on every interface whatever the host; the
            # port is set so that it cannot collide with anything else on the machine.
            PHOENIX_GRPC_PORT=str(self.grpc_port),
            PHOENIX_WORKING_DIR=str(self.working_dir),
        )
        return env

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise PhoenixFailed(f"Phoenix exited with code {code}:\n{self.log_tail()}")
            if self._answers_ready():
                return
            time.sleep(0.5)
        self.stop()
        raise PhoenixFailed(
            f"Phoenix was not ready at {self.url} after {READY_TIMEOUT_S:.0f} s:\n"
            + self.log_tail()
        )

    def _answers_ready(self) -> bool:
        """``/readyz`` answers 200 once the database is migrated and reachable."""
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False


def free_loopback_ports(count: int) -> list[int]:
    """Ports the kernel just handed out, held together so that they differ."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
