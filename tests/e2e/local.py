"""The local runner as a user starts it: `./harbour --data-dir … up` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("DIRECTORY", "REFERRALS", "NOTIFICATIONS", "GATEWAY", "WEB")


def harbour_processes(data_dir: Path) -> list[int]:
    """Processes started for this data folder (by environment or command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        marker = str(data_dir).encode()
        if f"HARBOUR_DATA_DIR={data_dir}".encode() in environ or marker in cmdline:
            found.append(int(entry.name))
    return found


class Runner:
    """`./harbour --data-dir … up` as a user would run it, with its output in a file."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.data_dir, self.env = data_dir, env
        self.output = data_dir.parent / f"runner-{time.monotonic_ns()}.log"
        with self.output.open("w") as sink:
            self.process = subprocess.Popen(
                [str(ROOT / "harbour"), "--data-dir", str(data_dir), "up"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.output.read_text()

    def wait_running(self, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Harbour is running" in self.text():
                return self.text()
            assert self.process.poll() is None, self.text()
            time.sleep(0.5)
        raise AssertionError("not running in time:\n" + self.text())

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(60)


def runner_environment() -> dict[str, str]:
    """This process's environment without Harbour's settings, with free ports for everything."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("HARBOUR_", "DIRECTORY_", "REFERRALS_", "NOTIFICATIONS_", "GATEWAY_", "WEB_")
        )
    }
    for prefix in SERVICES:
        env[f"{prefix}_PORT"] = str(free_port())
    env["HARBOUR_LOCAL_NATS_PORT"] = str(free_port())
    return env
