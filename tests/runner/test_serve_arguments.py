"""`serve` listens where the settings say, or where `--host`/`--port` say (as containers do)."""

from __future__ import annotations

from harbour_kit.cli import listen_arguments


def test_host_and_port_arguments_override_the_settings_only_when_given() -> None:
    parser = listen_arguments("harbour-directory serve")
    given = parser.parse_args(["--host", "0.0.0.0", "--port", "8001"])
    assert (given.host, given.port) == ("0.0.0.0", 8001)
    none = parser.parse_args([])
    assert (none.host, none.port) == (None, None)
