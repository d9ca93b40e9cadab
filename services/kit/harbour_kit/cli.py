"""The command line every service shares: `migrate`, `serve`, and a service's own commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

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
        uvicorn.run(
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
