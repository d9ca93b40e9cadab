"""One `./harbour up` shared by the end-to-end tests that need the embedded default running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.local import Runner, harbour_processes, runner_environment


@pytest.fixture(scope="package")  # stopped once the end-to-end tests are done
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runner, dict[str, str]]]:
    """The whole system on SQLite as the README starts it, and the environment it was given."""
    env = runner_environment()
    runner = Runner(tmp_path_factory.mktemp("local") / "data", env)
    try:
        runner.wait_running()
        yield runner, env
    finally:
        assert runner.interrupt() == 0
        assert harbour_processes(runner.data_dir) == []
