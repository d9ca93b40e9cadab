"""The command line every service shares: `migrate`, `serve`, and a service's own commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from harbour_kit.migrations import upgrade
from harbour_kit.observability import configure_logging
from harbour_kit.settings import ServiceSettings


def listen_arguments(prog: str) -> argparse.ArgumentParser:
    """`--host` and `--port` of `serve`, over the settings' (a container listens on 0.0.0.0)."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default=None, help="address to listen on")
    parser.add_argument("--port", type=int, default=None, help="port to listen on")
    return parser


class QuietServer(uvicorn.Server):
    """uvicorn's server ticking once a second, not ten times: an idle service sleeps."""

    async def main_loop(self) -> None:
        """Checks for shutdown (and refreshes the Date header) every second."""
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000  # each tick is a second: `on_tick` counts tenths
            await asyncio.sleep(1.0)
            should_exit = await self.on_tick(counter)


def serve(app: str, **options: Any) -> None:
    """Runs `app` (an import string) like `uvicorn.run`, in one process with `QuietServer`."""
    config = uvicorn.Config(app, **options)
    if config.workers > 1:
        uvicorn.run(app, **options)  # uvicorn's supervisor starts its own servers
        return
    server = QuietServer(config)
    server.run()
    if not server.started:
        sys.exit(3)  # uvicorn's exit code for a failed start-up


def run_service_cli(
    *,
    settings: ServiceSettings,
    app_path: str,
    migrations_dir: Path | None,
    extra: dict[str, Callable[[list[str]], None]] | None = None,
) -> None:
    """Parses `argv` and runs one command of a service."""
    commands = ["serve"] + (["migrate"] if migrations_dir else []) + sorted(extra or {})
    parser = argparse.ArgumentParser(prog=f"harbour-{settings.service_name}")
    parser.add_argument("command", choices=commands)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments of an extra command")
    args = parser.parse_args()
    if args.command == "migrate":
        assert migrations_dir is not None
        upgrade(migrations_dir, settings.effective_database_url)
    elif args.command == "serve":
        where = listen_arguments(f"harbour-{settings.service_name} serve").parse_args(args.args)
        # Before uvicorn starts: its own records go through the same redacting JSON path.
        configure_logging(settings.service_name, settings.log_level)
        serve(
            app_path,
            factory=True,
            host=where.host or settings.host,
            port=where.port or settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    else:
        assert extra is not None
        extra[args.command](list(args.args))
