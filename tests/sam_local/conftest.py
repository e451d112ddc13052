"""Session fixtures of the sam-local suite: docker, the local images, `sam build`, a seeded moto server.

Everything is built once per session (the images once per content hash, `sam build` with its cache). The suite
skips, saying why, only when no docker engine answers (``scripts/start-docker.sh`` starts one where it can).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sam_local.account import EmulatedAccount, seed
from tests.sam_local.harness import (
    WORK_DIR,
    Images,
    Invocation,
    MotoServer,
    build_images,
    docker_engine,
    sam_build,
    sam_invoke,
    write_env_vars,
)
from tests.sam_local.samples import functions

TIMINGS: dict[str, float] = {}  # step or "<function>/<sample>" -> seconds


@dataclass
class SamLocal:
    """What an invoke needs, and the timings the suite reports."""

    images: Images
    template: Path
    moto: MotoServer
    account: EmulatedAccount
    env_vars: Path
    timings: dict[str, float]

    def invoke(self, function_id: str, event_path: Path) -> Invocation:
        self.account.drain()  # what an earlier invoke published is not this one's
        result = sam_invoke(function_id, event_path, template=self.template, image=self.images.lambda_image,
                            moto=self.moto, env_vars=self.env_vars)
        self.timings[f"{function_id}/{event_path.stem}"] = result.seconds
        return result


@pytest.fixture(scope="session")
def sam_local() -> Iterator[SamLocal]:
    version = docker_engine()
    if version is None:
        pytest.skip("sam-local: no docker engine answers (`docker info` failed). Install docker.io and run "
                    "scripts/start-docker.sh (as root), as .ci/run does; the suite runs the real Lambda runtime "
                    "in containers and cannot run without one.")
    timings = TIMINGS
    started = time.monotonic()
    images = build_images()
    timings["images"] = time.monotonic() - started
    started = time.monotonic()
    template = sam_build(images.python312)
    timings["sam build"] = time.monotonic() - started
    moto = MotoServer(images.moto_image)
    try:
        started = time.monotonic()
        moto.start()
        account = seed(moto.host_endpoint)
        timings["moto start + seed"] = time.monotonic() - started
        env_vars = write_env_vars(WORK_DIR / "env-vars.json",
                                  {fn: account.function_env(fn, moto.container_endpoint) for fn in functions()})
        yield SamLocal(images, template, moto, account, env_vars, timings)
    finally:
        moto.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the time went: setup steps, and the invokes (the real runtime's cost per sample)."""
    if not TIMINGS:
        return
    timings = TIMINGS
    invokes = {k: v for k, v in timings.items() if "/" in k}
    setup = {k: v for k, v in timings.items() if "/" not in k}
    line = ", ".join(f"{k} {v:.1f}s" for k, v in setup.items())
    if invokes:
        slowest = max(invokes, key=invokes.__getitem__)
        median = sorted(invokes.values())[len(invokes) // 2]
        line += (f"; {len(invokes)} invokes: median {median:.1f}s, total {sum(invokes.values()):.1f}s, "
                 f"slowest {slowest} {invokes[slowest]:.1f}s")
    terminalreporter.write_line(f"sam-local timings: {line}")
