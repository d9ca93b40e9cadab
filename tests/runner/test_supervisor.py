"""The runner's supervisor with real child processes; its clock is injected, never slept on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harbour_runner.cli import main
from harbour_runner.processes import RestartPolicy, Supervisor, describe_exit

FAILS = [sys.executable, "-c", "import sys; sys.exit(3)"]
WAITS = [sys.executable, "-c", "import time; time.sleep(120)"]


def _supervisor(tmp_path: Path, said: list[str], **policy: float) -> Supervisor:
    return Supervisor(tmp_path / "logs", RestartPolicy(**policy), say=said.append)  # type: ignore[arg-type]


def test_a_dead_child_is_restarted_with_doubling_backoff_and_the_others_keep_running(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    supervisor = _supervisor(tmp_path, said, first_delay=1, max_delay=4, max_fast_failures=10)
    steady = supervisor.start("steady", WAITS, {})
    flaky = supervisor.start("flaky", FAILS, {})
    try:
        now = flaky.started_at
        delays = []
        for _ in range(4):
            flaky.process.wait(30)
            supervisor.supervise(now)
            assert flaky.restart_at is not None
            delays.append(flaky.restart_at - now)
            now = flaky.restart_at
            supervisor.supervise(now)  # due: started again
            assert flaky.restart_at is None and flaky.process.pid
        assert delays == [1, 2, 4, 4]
        assert flaky.restarts == 4
        assert steady.process.poll() is None and steady.restarts == 0
        assert "flaky stopped unexpectedly (exit code 3); restarting it in 1s" in said[0]
        assert str(flaky.log_path) in said[0]
        assert "flaky restarted (restart 1)" in said[1]
    finally:
        supervisor.stop_all(timeout=5)
    assert steady.process.poll() is not None


def test_it_gives_up_on_a_child_that_keeps_failing_fast_and_names_its_log(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    supervisor = _supervisor(tmp_path, said, first_delay=0, max_fast_failures=2)
    steady = supervisor.start("steady", WAITS, {})
    broken = supervisor.start("broken", FAILS, {})
    try:
        now = broken.started_at
        while not broken.given_up:
            broken.process.wait(30)
            supervisor.supervise(now)
            supervisor.supervise(now)  # restart at once (no delay)
        assert broken.restarts == 2
        assert "giving up on it" in said[-1] and str(broken.log_path) in said[-1]
        assert supervisor.exited() is None  # handled: not reported again
        assert steady.process.poll() is None
    finally:
        supervisor.stop_all(timeout=5)


def test_a_child_that_ran_long_enough_starts_its_count_again(tmp_path: Path) -> None:
    said: list[str] = []
    supervisor = _supervisor(tmp_path, said, first_delay=1, stable_after=30, max_fast_failures=1)
    child = supervisor.start("worker", FAILS, {})
    try:
        child.process.wait(30)
        supervisor.supervise(child.started_at + 100)  # it had run for 100 s before dying
        assert child.fast_failures == 1 and not child.given_up
        supervisor.supervise(child.restart_at)
        child.process.wait(30)
        supervisor.supervise(child.started_at + 1)  # then died at once: the second in a row
        assert child.given_up
    finally:
        supervisor.stop_all(timeout=5)


def test_exit_descriptions() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(1) == "exit code 1"


@pytest.mark.parametrize("role", ["social_worker", "partner_staff", "org_admin"])
def test_a_token_for_an_organisation_role_needs_the_organisation(
    role: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["--data-dir", str(tmp_path), "token", "--role", role])
    assert "--org is required" in str(refused.value) and role in str(refused.value)
    assert capsys.readouterr().out == ""  # no token printed
    assert main(["--data-dir", str(tmp_path), "token", "--role", "network_admin"]) == 0
    assert capsys.readouterr().out.count(".") == 2  # a JWT
