"""Real PostgreSQL and NATS for the tests: from the environment, Docker, or local binaries."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Waits until 127.0.0.1:`port` accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def docker_answers() -> bool:
    """Whether a Docker engine (not just the client) is reachable."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@dataclass
class LocalNats:
    """A throwaway `nats-server` with JetStream that can be stopped and restarted in place."""

    port: int = field(default_factory=free_port)
    store: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="harbour-nats-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = Path(sys.executable).parent / "nats-server"
        argv = [
            str(binary if binary.exists() else "nats-server"),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store),
        ]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


def _pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_config"):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out and Path(out, "initdb").exists():
            candidates.insert(0, out)
    for candidate in candidates:
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    raise RuntimeError(
        "PostgreSQL is needed for the tests: set HARBOUR_TEST_DATABASE_URL, run a Docker "
        "engine, or install PostgreSQL 15 with PostGIS (the test command does this as root)."
    )


@dataclass
class LocalPostgres:
    """A throwaway PostgreSQL cluster from the machine's binaries (run as `postgres` if root)."""

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="harbour-pg-")))

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        bindir = _pg_bindir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        data = self.root / "data"
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.resume()

    @property
    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )

    def stop(self, mode: str = "fast") -> None:
        """Stops the server, keeping its data (`fast` cuts every open connection)."""
        self._run(str(_pg_bindir() / "pg_ctl"), "-D", str(self.root / "data"), "-m", mode, "stop")

    def resume(self) -> None:
        """Starts the stopped server again on the same port and data."""
        self._run(
            str(_pg_bindir() / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-o",
            self._options,
            "-l",
            str(self.root / "postgres.log"),
            "-w",
            "start",
        )

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, RuntimeError):
            self._run(
                str(_pg_bindir() / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "stop",
            )
        shutil.rmtree(self.root, ignore_errors=True)


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def create_database(admin_url: str, *, template: str | None = None) -> str:
    """Creates a uniquely named database (optionally from a template); returns its URL."""
    name = f"harbour_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await connection.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, url: str) -> None:
    """Drops the database `url` names, closing its connections."""
    name = url.rpartition("/")[2]
    connection = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
