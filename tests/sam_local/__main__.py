"""A local emulated account for your own `sam local invoke` runs (what the suite uses, kept running).

    .venv/bin/python -m tests.sam_local up     # images, sam build, moto's server seeded; prints the commands
    .venv/bin/python -m tests.sam_local down   # removes the moto container and its network

``up`` writes .aws-sam/sam-local/env-vars.json (each function's environment, AWS_ENDPOINT_URL pointing at the
moto container by name) and .aws-sam/sam-local/moto.json (what ``down`` removes).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from tests.conftest import ROOT
from tests.sam_local.account import seed
from tests.sam_local.harness import (
    FAKE_CREDENTIALS,
    WORK_DIR,
    MotoServer,
    build_images,
    docker_engine,
    sam_build,
    write_env_vars,
)
from tests.sam_local.samples import functions, samples

STATE = WORK_DIR / "moto.json"


def up() -> int:
    if docker_engine() is None:
        print("no docker engine answers: run scripts/start-docker.sh (as root) first", file=sys.stderr)
        return 1
    images = build_images()
    template = sam_build(images.python312)
    moto = MotoServer(images.moto_image).start()
    STATE.write_text(json.dumps({"name": moto.name, "network": moto.network}), encoding="utf-8")
    account = seed(moto.host_endpoint)
    env_vars = write_env_vars(WORK_DIR / "env-vars.json",
                              {fn: account.function_env(fn, moto.container_endpoint) for fn in functions()})
    creds = " ".join(f"{k}={v}" for k, v in FAKE_CREDENTIALS.items())
    print(f"moto's server: container {moto.name} on network {moto.network}, from the host {moto.host_endpoint}")
    print("invoke a function on a sample with:")
    every = samples()
    first = next((p for p in every if p.parent.name.startswith("Detect") and not p.stem.startswith("benign")), every[0])
    print(f"  {creds} AWS_ENDPOINT_URL={moto.host_endpoint} SAM_CLI_TELEMETRY=0 \\\n"
          f"  sam local invoke {first.parent.name} -e {shlex.quote(str(first.relative_to(ROOT)))} "
          f"\\\n    -t {template.relative_to(ROOT)} --invoke-image {images.lambda_image} "
          f"--skip-pull-image \\\n    --docker-network {moto.network} --env-vars {env_vars.relative_to(ROOT)}")
    print(f"read back what it did with e.g.: aws --endpoint-url {moto.host_endpoint} dynamodb scan "
          f"--table-name {account.deployment.ref('FindingsTable')}")
    return 0


def down() -> int:
    if not STATE.exists():
        print("nothing to remove", file=sys.stderr)
        return 0
    state = json.loads(STATE.read_text(encoding="utf-8"))
    MotoServer(image="", name=state["name"], network=state["network"]).stop()
    STATE.unlink()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sam_local", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["up", "down"])
    return up() if parser.parse_args().command == "up" else down()


if __name__ == "__main__":
    sys.exit(main())
