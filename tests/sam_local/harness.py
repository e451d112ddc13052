"""Drive the real Lambda runtime: docker, the local images, `sam build`, moto's server and `sam local invoke`.

The Lambda base image cannot be pulled on these machines: ``scripts/lambda-image.sh`` builds an equivalent one
(and moto's server image) once per content hash, and every invoke passes it with ``--invoke-image``.
Containers reach moto by its container name on a user-defined network; the host reaches it on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aidr_cli.embedded.account import ACCOUNT as EMULATED_ACCOUNT

from tests.conftest import ROOT

IMAGE_SCRIPT = ROOT / "scripts" / "lambda-image.sh"
WORK_DIR = ROOT / ".aws-sam" / "sam-local"
BUILD_DIR = WORK_DIR / "build"
MOTO_PORT = 5000
# Seconds a function may run under `sam local invoke` here. The scheduled assessment (72 checks, each call a round
# trip to moto's container) takes 75-130 s on a shared 2-core machine; the others take a few seconds.
MAX_TIMEOUT = 300
# The fake credentials every container and seeding client uses (moto accepts any).
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


class HarnessError(RuntimeError):
    """A step of the harness failed; the message carries the command's output."""


def run(cmd: list[str], *, timeout: float = 600, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False)
    if check and proc.returncode != 0:
        raise HarnessError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def docker_engine() -> str | None:
    """The docker engine's version, or None when no engine answers (the reason the suite would skip)."""
    if not shutil.which("docker"):
        return None
    proc = run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=30, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


@dataclass(frozen=True)
class Images:
    lambda_image: str
    moto_image: str
    python312: str


def build_images() -> Images:
    """Build (or reuse, by content hash) the Lambda and moto images; find the python3.12 `sam build` needs."""
    python312 = run(["bash", str(IMAGE_SCRIPT), "python"], timeout=60).stdout.strip()
    lambda_image, moto_image = run(["bash", str(IMAGE_SCRIPT), "all"], timeout=1800).stdout.split()
    return Images(lambda_image, moto_image, python312)


def sam_env(python312: str | None = None, endpoint: str | None = None) -> dict[str, str]:
    """Environment of the sam CLI: no telemetry, fake credentials (passed on to the containers), python3.12.

    ``endpoint`` (moto on 127.0.0.1) is where the CLI's own AWS calls go: `sam local invoke` asks STS for the
    account id, which otherwise costs ~10 s of retries on a machine without AWS. The containers never see it.
    """
    env = {**os.environ, **FAKE_CREDENTIALS, "SAM_CLI_TELEMETRY": "0", "AWS_EC2_METADATA_DISABLED": "true"}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    if python312:
        env["PATH"] = f"{Path(python312).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def sam_bin() -> str:
    """The sam CLI of the venv running the tests (aws-sam-cli is a dev dependency)."""
    here = Path(sys.executable).parent / "sam"
    return str(here) if here.exists() else "sam"


def sam_build(python312: str) -> Path:
    """`sam build` of template.yaml (cached between runs); returns the local template to invoke with.

    The local template is the built one with ``AWS_ENDPOINT_URL`` declared in Globals: `sam local invoke` only
    passes the ``--env-vars`` of variables the template declares, and this one points boto3 at moto's server.
    The deployed template does not declare it (an empty endpoint would break the real functions).
    """
    run([sam_bin(), "build", "--template", str(ROOT / "template.yaml"), "--build-dir", str(BUILD_DIR),
         "--cache-dir", str(WORK_DIR / "cache"), "--cached"], env=sam_env(python312), timeout=900)
    return declare_endpoint(BUILD_DIR / "template.yaml")


def declare_endpoint(built: Path) -> Path:
    """The built template with AWS_ENDPOINT_URL declared, and every timeout capped at :data:`MAX_TIMEOUT` (a
    function stuck on the emulated account fails its test in minutes, not after its deployed 15)."""
    doc = yaml.safe_load(built.read_text(encoding="utf-8"))
    function = doc.setdefault("Globals", {}).setdefault("Function", {})
    function.setdefault("Environment", {}).setdefault("Variables", {})["AWS_ENDPOINT_URL"] = ""
    function["Timeout"] = min(int(function.get("Timeout", 3)), MAX_TIMEOUT)
    for res in doc.get("Resources", {}).values():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("Timeout"), int):
            props["Timeout"] = min(props["Timeout"], MAX_TIMEOUT)
    out = built.with_name("template.local.yaml")  # beside it: CodeUri/ContentUri are relative to the build dir
    out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return out


@dataclass
class MotoServer:
    """moto's server in a container on its own docker network, published on 127.0.0.1 only."""

    image: str
    name: str = ""
    network: str = ""
    host_port: int = 0
    account_id: str = EMULATED_ACCOUNT  # the account moto answers as: the one the samples' ARNs name

    def start(self, timeout: float = 120) -> MotoServer:
        suffix = uuid.uuid4().hex[:8]
        self.name, self.network = f"aidr-moto-{suffix}", f"aidr-sam-local-{suffix}"
        run(["docker", "network", "create", self.network], timeout=60)
        run(["docker", "run", "--detach", "--name", self.name, "--network", self.network,
             "--env", f"MOTO_ACCOUNT_ID={self.account_id}",
             "--publish", f"127.0.0.1::{MOTO_PORT}", self.image], timeout=120)
        port = run(["docker", "port", self.name, f"{MOTO_PORT}/tcp"], timeout=30).stdout.split()[0]
        self.host_port = int(port.rsplit(":", 1)[1])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.host_endpoint}/moto-api/", timeout=2):  # loopback only
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        logs = run(["docker", "logs", self.name], check=False).stderr[-2000:]
        raise HarnessError(f"moto server {self.name} did not answer within {timeout:.0f}s\n{logs}")

    @property
    def host_endpoint(self) -> str:
        """Where the host (seeding, assertions) reaches moto."""
        return f"http://127.0.0.1:{self.host_port}"

    @property
    def container_endpoint(self) -> str:
        """Where the function containers reach moto: by container name on the shared network."""
        return f"http://{self.name}:{MOTO_PORT}"

    def stop(self) -> None:
        if self.name:
            run(["docker", "rm", "--force", self.name], check=False, timeout=60)
        if self.network:
            run(["docker", "network", "rm", self.network], check=False, timeout=60)


@dataclass
class Invocation:
    """What `sam local invoke` gave: the handler's response (parsed), the logs, the time it took."""

    function_id: str
    returncode: int
    response: Any
    stdout: str
    stderr: str
    seconds: float

    @property
    def error(self) -> str | None:
        """The unhandled error the runtime reported, if any (or why there is no response)."""
        if self.returncode != 0:
            return f"sam exited {self.returncode}: {self.stderr[-3000:]}"
        if self.response is None:
            return f"no JSON response on stdout: {self.stdout[-1000:]!r}\n{self.stderr[-3000:]}"
        if isinstance(self.response, dict) and "errorType" in self.response:
            return f"{self.response['errorType']}: {self.response.get('errorMessage')}\n{self.stderr[-3000:]}"
        return None


def write_env_vars(path: Path, env_by_function: dict[str, dict[str, str]]) -> Path:
    path.write_text(json.dumps(env_by_function, indent=2, sort_keys=True), encoding="utf-8")
    return path


def sam_invoke(function_id: str, event_path: Path, *, template: Path, image: str, moto: MotoServer,
               env_vars: Path, timeout: float = MAX_TIMEOUT + 120) -> Invocation:
    """`sam local invoke FUNCTION -e EVENT` through the local image, on moto's network."""
    cmd = [sam_bin(), "local", "invoke", function_id, "--template", str(template), "--event", str(event_path),
           "--invoke-image", image, "--skip-pull-image", "--docker-network", moto.network, "--env-vars", str(env_vars)]
    started = time.monotonic()
    proc = run(cmd, env=sam_env(endpoint=moto.host_endpoint), timeout=timeout, check=False)
    seconds = time.monotonic() - started
    response = None
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            response = json.loads(line)
            break
        except ValueError:
            continue
    return Invocation(function_id, proc.returncode, response, proc.stdout, proc.stderr, seconds)
