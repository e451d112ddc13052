"""Cold start: importing each handler in a fresh interpreter, as Lambda's init phase does, against ``import boto3``.

Every handler ``functions/<name>/app.py`` is found by walking ``functions/``. Each import runs in a new
process with Lambda's environment (the handler directory and ``layers/aidr`` on the path, the AWS_* and
AIDR_* variables of the runtime contract, credentials fake), so Powertools behaves as in Lambda (the tracer
is on). Cost of an import = min(wall time) minus the min of a bare interpreter start (other load on a shared
machine only ever adds time, so the minimum is the least noisy estimate, as for replay); the ratio
divides a handler's cost by boto3's. Bytecode caches are warm (one untimed import first); in Lambda the layer
has no ``.pyc`` (``sam build`` leaves them out and ``/opt`` is read-only), which this does not model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .report import Figure
from .timing import Samples, interleaved

TARGET = 1.5
ACCOUNT = "111122223333"
REGION = "us-east-1"


def handler_dirs(functions: Path) -> list[Path]:
    """Every directory under ``functions`` that holds a Lambda handler module ``app.py``."""
    return sorted(p.parent for p in functions.glob("*/app.py"))


def logical_id(handler_dir: Path) -> str:
    """``detect_bedrock`` -> ``DetectBedrockFunction`` (the naming rule of STYLE.md)."""
    return "".join(part.title() for part in handler_dir.name.split("_")) + "Function"


def lambda_env(handler_dir: Path | None, layer_path: Path) -> dict[str, str]:
    """The environment Lambda gives a python3.12 function of this stack (nothing inherited but PATH)."""
    function = f"aidr-{logical_id(handler_dir)}" if handler_dir else "aidr-bench"
    paths = [str(handler_dir)] if handler_dir else []
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": os.pathsep.join([*paths, str(layer_path)]),
        "LAMBDA_TASK_ROOT": str(handler_dir or layer_path),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEBENCHKEY1",
        "AWS_SECRET_ACCESS_KEY": "bench-not-a-secret",
        "AWS_SESSION_TOKEN": "bench-not-a-token",
        "AIDR_CONFIG_PARAMETER": "/aidr/config",
        "AIDR_STATE_TABLE": "aidr-state",
        "AIDR_FINDINGS_TABLE": "aidr-findings",
        "AIDR_EVENT_BUS": "aidr-bus",
        "AIDR_TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT}:aidr-notifications",
        "AIDR_SECURITY_HUB": "false",
        "AIDR_NOTIFY_MIN_SEVERITY": "medium",
        "AIDR_PHASE": "foundational",
        "AIDR_RESPONSE_MODE": "notify",
        "POWERTOOLS_SERVICE_NAME": "aidr",
        "POWERTOOLS_METRICS_NAMESPACE": "aidr",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


@dataclass(frozen=True)
class Probe:
    """One thing to import in a fresh interpreter."""

    label: str
    code: str
    env: dict[str, str]
    cwd: Path

    def argv(self) -> list[str]:
        return [sys.executable, "-c", self.code]

    def check(self) -> str | None:
        """Run once (writes .pyc where allowed); the error's last line if the import fails."""
        p = subprocess.run(self.argv(), env=self.env, cwd=self.cwd, capture_output=True, text=True, check=False)
        if p.returncode == 0:
            return None
        lines = (p.stderr or p.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {p.returncode}"

    def runner(self) -> Callable[[], object]:
        argv = self.argv()
        return lambda: subprocess.run(argv, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, check=True)


def run(root: Path, functions: Path, repeats: int, out: TextIO) -> list[Figure]:
    layer = root / "layers" / "aidr"
    handlers = handler_dirs(functions)
    if not handlers:
        return [Figure("cold start", None, TARGET, "x", error=f"no */app.py under {functions}", skipped=True)]
    out.write(f"cold start: {len(handlers)} handlers, {repeats} fresh interpreters each (minimum import time)\n")
    bare = Probe("bare interpreter", "pass", lambda_env(None, layer), layer)
    boto3 = Probe("import boto3", "import boto3", lambda_env(None, layer), layer)
    probes = [bare, boto3, *(Probe(h.name, "import app", lambda_env(h, layer), h) for h in handlers)]
    failed = {p.label: err for p in probes if (err := p.check())}
    if bare.label in failed or boto3.label in failed:
        raise RuntimeError(f"baseline import failed: {failed}")
    live = [p for p in probes if p.label not in failed]
    timings = dict(zip((p.label for p in live), interleaved([p.runner() for p in live], repeats), strict=True))
    return _report(handlers, timings, failed, out)


def _report(handlers: list[Path], t: dict[str, Samples], failed: dict[str, str], out: TextIO) -> list[Figure]:
    start, cpu_start = t["bare interpreter"].min, t["bare interpreter"].cpu_min
    boto3, cpu_boto3 = t["import boto3"].min - start, t["import boto3"].cpu_min - cpu_start
    out.write(f"  {'bare interpreter':<28} {start * 1000:7.0f} ms  cpu {cpu_start * 1000:5.0f} ms\n"
              f"  {'import boto3':<28} {boto3 * 1000:7.0f} ms  cpu {cpu_boto3 * 1000:5.0f} ms"
              " (after start-up; the baseline)\n")
    figures = []
    for h in handlers:
        name = f"cold start {h.name}"
        if h.name in failed:
            out.write(f"  {h.name:<28} import failed: {failed[h.name]}\n")
            figures.append(Figure(name, None, TARGET, "x", error=f"import failed: {failed[h.name]}"))
            continue
        cost, cpu = t[h.name].min - start, t[h.name].cpu_min - cpu_start
        fig = Figure(name, cost / boto3, TARGET, "x", f"{cost * 1000:.0f} ms vs boto3 {boto3 * 1000:.0f} ms (minimums);"
                     f" cpu: {cpu / cpu_boto3:.2f}x")
        out.write(f"  {h.name:<28} {cost * 1000:7.0f} ms  cpu {cpu * 1000:5.0f} ms  {fig.shown()} boto3"
                  f" (cpu {cpu / cpu_boto3:.2f}x)  {fig.verdict}\n")
        figures.append(fig)
    return figures
