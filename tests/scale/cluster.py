"""A local NATS JetStream cluster: `nats-server` processes joined by routes on loopback ports."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nats
from nats.js.errors import APIError

from tests.harness import free_port, wait_for_port

CLUSTER_NAME = "harbour"


def _binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    return str(local if local.exists() else "nats-server")


@dataclass
class ClusterNode:
    """One server of the cluster; it keeps its JetStream store across a kill and a restart."""

    name: str
    store: Path
    port: int = field(default_factory=free_port)
    cluster_port: int = field(default_factory=free_port)
    routes: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def route(self) -> str:
        return f"nats://127.0.0.1:{self.cluster_port}"

    def start(self) -> None:
        argv = [
            _binary(),
            "--addr",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--server_name",
            self.name,
            "--jetstream",
            "--store_dir",
            str(self.store),
            "--cluster_name",
            CLUSTER_NAME,
            "--cluster",
            self.route,
            "--routes",
            ",".join(self.routes),
        ]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        """Ends the server abruptly (SIGKILL), as a crashed node or a lost machine would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


@dataclass
class NatsCluster:
    """Three (or `size`) JetStream servers that replicate streams between them."""

    size: int = 3
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="harbour-natsc-")))
    nodes: list[ClusterNode] = field(default_factory=list)

    def start(self) -> None:
        self.nodes = [
            ClusterNode(name=f"n{i + 1}", store=self.root / f"n{i + 1}") for i in range(self.size)
        ]
        for node in self.nodes:
            node.routes = [other.route for other in self.nodes if other is not node]
        for node in self.nodes:
            node.start()

    def node(self, name: str) -> ClusterNode:
        """The node with this server name."""
        return next(node for node in self.nodes if node.name == name)

    async def wait_for_jetstream(self, within: float = 30.0) -> None:
        """Returns once every node answers JetStream requests (a meta leader is elected)."""
        deadline = asyncio.get_running_loop().time() + within
        for node in self.nodes:
            client = await nats.connect(node.url, connect_timeout=2)
            try:
                while True:
                    try:
                        await client.jetstream(timeout=2).account_info()
                        break
                    except (APIError, TimeoutError, nats.errors.NoRespondersError):
                        if asyncio.get_running_loop().time() > deadline:
                            raise
                        await asyncio.sleep(0.2)
            finally:
                await client.close()

    def close(self) -> None:
        for node in self.nodes:
            node.kill()
        shutil.rmtree(self.root, ignore_errors=True)
