"""Child processes of the local runner: start them, restart one that dies, stop them all.

A child that exits while Harbour runs is restarted after a backoff that doubles with each fast
failure (one within `stable_after` seconds of its start); after `max_fast_failures` in a row the
runner gives up on that child alone, names it and its log, and keeps the others running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
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


def describe_exit(code: int) -> str:
    """`exit code 3` or `killed by SIGKILL`, from a Popen return code."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


@dataclass(frozen=True)
class RestartPolicy:
    """When to bring a dead child back, and when to stop trying."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 30.0  # a child that ran this long had not failed fast
    max_fast_failures: int = 5

    def delay(self, fast_failures: int) -> float:
        """Seconds to wait before the next start, doubling with each fast failure in a row."""
        return float(min(self.max_delay, self.first_delay * 2 ** max(0, fast_failures - 1)))


@dataclass
class Child:
    """One supervised process, how to start it again, and its log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.monotonic)
    restarts: int = 0
    fast_failures: int = 0
    restart_at: float | None = None  # when a dead child is due to start again
    given_up: bool = False

    @property
    def running(self) -> bool:
        """Alive now (not waiting for a restart, not given up)."""
        return self.restart_at is None and not self.given_up and self.process.poll() is None


def _spawn(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            argv,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _kill_group(pid: int, signum: signal.Signals) -> None:
    """Signals a child's whole session (a server's worker processes with it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


@dataclass
class Supervisor:
    """Starts processes in their own sessions, restarts those that die, stops all, last first."""

    log_dir: Path
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    say: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        """Starts `argv` with its output going to `<log_dir>/<name>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        child = Child(name, argv, env, log_path, _spawn(argv, env, log_path))
        self.children.append(child)
        return child

    def exited(self) -> Child | None:
        """The first child that has stopped on its own and is not yet handled, if any."""
        return next(
            (
                c
                for c in self.children
                if c.restart_at is None and not c.given_up and c.process.poll() is not None
            ),
            None,
        )

    def supervise(self, now: float | None = None) -> None:
        """One round: schedules restarts for children that died, starts those that are due."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.given_up:
                continue
            if child.restart_at is None:
                code = child.process.poll()
                if code is None:
                    if now - child.started_at >= self.policy.stable_after:
                        child.fast_failures = 0
                    continue
                self._died(child, code, now)
            elif now >= child.restart_at:
                self._restart(child, now)

    def _died(self, child: Child, code: int, now: float) -> None:
        # Whatever the child left behind in its session (worker processes) goes with it.
        _kill_group(child.process.pid, signal.SIGKILL)
        ran = now - child.started_at
        child.fast_failures = child.fast_failures + 1 if ran < self.policy.stable_after else 1
        if child.fast_failures > self.policy.max_fast_failures:
            child.given_up = True
            self.say(
                f"! {child.name} stopped ({describe_exit(code)}) and failed "
                f"{self.policy.max_fast_failures} times in a row soon after starting; "
                f"giving up on it. The rest keeps running. See {child.log_path}"
            )
            return
        delay = self.policy.delay(child.fast_failures)
        child.restart_at = now + delay
        self.say(
            f"! {child.name} stopped unexpectedly ({describe_exit(code)}); "
            f"restarting it in {delay:.0f}s (see {child.log_path})"
        )

    def _restart(self, child: Child, now: float) -> None:
        child.process = _spawn(child.argv, child.env, child.log_path)
        child.started_at, child.restart_at = now, None
        child.restarts += 1
        self.say(f"↻ {child.name} restarted (restart {child.restarts})")

    def stop_all(self, timeout: float = 10.0) -> None:
        """Terminates children in reverse start order; kills any that linger."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                _kill_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                _kill_group(child.process.pid, signal.SIGKILL)
                child.process.wait()
            # Worker processes a server left in its session stop with it.
            _kill_group(child.process.pid, signal.SIGKILL)
        self.children.clear()
