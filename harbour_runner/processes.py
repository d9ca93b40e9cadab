"""Child processes of the local runner: start, watch, and stop them all."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Tells whether something already listens on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.3)
        return probe.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    """Waits until something listens on `host:port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_in_use(port, host):
            return True
        time.sleep(0.1)
    return False


@dataclass
class Child:
    """One supervised process and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path


@dataclass
class Supervisor:
    """Starts processes in their own sessions and stops every one of them, last first."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        """Starts `argv` with its output going to `<log_dir>/<name>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def exited(self) -> Child | None:
        """The first child that has stopped on its own, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop_all(self, timeout: float = 10.0) -> None:
        """Terminates children in reverse start order; kills any that linger."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        self.children.clear()
