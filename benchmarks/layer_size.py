"""Layer size: the library layer zipped as Lambda receives it (python3.12, x86_64), against the 10 MB target.

Dependencies come from ``pip install --no-deps --target`` for the Lambda platform, without bytecode, as
``layers/aidr/Makefile`` installs them for ``sam build``; they are cached under the cache directory by the hash
of the requirements file so reruns are offline. The ``aidr`` package is added from the checkout (no
``__pycache__``) and everything is deflated under ``python/``, the layout Lambda mounts at ``/opt/python``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import TextIO

from .report import Figure

TARGET_MB = 10.0
PLATFORM_ARGS = ("--platform", "manylinux2014_x86_64", "--python-version", "3.12", "--only-binary=:all:",
                 "--implementation", "cp")
MARKER = ".complete"
SKIP_PARTS = {"__pycache__"}
# boto3 and its dependency tree ship with the python3.12 runtime: a layer copy of them is dead weight.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "six", "urllib3")


def default_pip() -> list[str]:
    return [sys.executable, "-m", "pip"]


def pip_available(pip: list[str]) -> bool:
    try:
        return subprocess.run([*pip, "--version"], capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def deps_dir(requirements: Path, cache_dir: Path) -> Path:
    """Cache directory for these requirements (and this target platform)."""
    key = hashlib.sha256(requirements.read_bytes() + " ".join(PLATFORM_ARGS).encode()).hexdigest()[:16]
    return cache_dir / f"layer-deps-{key}"


def dependencies(requirements: Path, cache_dir: Path, pip: list[str]) -> Path:
    """Directory whose ``python/`` holds the installed requirements (downloaded once per requirements hash)."""
    done = deps_dir(requirements, cache_dir)
    if (done / MARKER).is_file():
        return done
    partial = done.with_name(done.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    cmd = [*pip, "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--no-deps", "--target",
           str(partial / "python"), "-r", str(requirements), *PLATFORM_ARGS]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        lines = (p.stderr or p.stdout).strip().splitlines()
        raise PipFailed(lines[-1] if lines else f"pip exit status {p.returncode}")
    shutil.rmtree(done, ignore_errors=True)
    partial.rename(done)
    (done / MARKER).write_text(requirements.read_text(encoding="utf-8"), encoding="utf-8")
    return done


class PipFailed(Exception):
    """pip could not install the requirements (no registry, no wheel for the platform...)."""


def _files(base: Path) -> list[Path]:
    return sorted(f for f in base.rglob("*") if f.is_file() and not SKIP_PARTS & set(f.relative_to(base).parts)
                  and f.suffix != ".pyc")


def build_zip(deps: Path, package: Path, zip_path: Path) -> tuple[Counter[str], int]:
    """Zip ``deps/python`` and ``package`` under ``python/``; (compressed bytes per top-level entry, unzipped)."""
    sizes: Counter[str] = Counter()
    unzipped = 0
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    entries = [(f, f.relative_to(deps / "python")) for f in _files(deps / "python")]
    entries += [(f, f.relative_to(package.parent)) for f in _files(package)]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for f, rel in entries:
            z.write(f, f"python/{rel.as_posix()}")
        for info in z.infolist():
            sizes[info.filename.split("/")[1]] += info.compress_size
            unzipped += info.file_size
    return sizes, unzipped


def run(root: Path, cache_dir: Path, out: TextIO, pip: list[str] | None = None) -> Figure:
    pip = pip or default_pip()
    requirements = root / "layers" / "aidr" / "requirements.txt"
    cached = (deps_dir(requirements, cache_dir) / MARKER).is_file()
    if not cached and not pip_available(pip):
        msg = f"pip is not available ({' '.join(pip)}): layer size not measured"
        out.write(f"layer size: {msg}\n")
        return Figure("layer size", None, TARGET_MB, "MB", error=msg, skipped=True)
    try:
        deps = dependencies(requirements, cache_dir, pip)
    except PipFailed as e:
        msg = f"pip could not install the layer requirements (registry unreachable?): {e}"
        out.write(f"layer size: {msg}\n")
        return Figure("layer size", None, TARGET_MB, "MB", error=msg, skipped=True)
    zip_path = cache_dir / "layer.zip"
    sizes, unzipped = build_zip(deps, root / "layers" / "aidr" / "aidr", zip_path)
    total = zip_path.stat().st_size
    out.write(f"layer size: {zip_path} {total / 1e6:.2f} MB zipped, {unzipped / 1e6:.1f} MB unzipped; largest:\n")
    for name, size in sizes.most_common(8):
        out.write(f"  {name:<40} {size / 1e6:6.2f} MB\n")
    provided = {n: v for n, v in sizes.items() if runtime_provided(n)}
    note = f"{unzipped / 1e6:.0f} MB unzipped"
    if provided:
        extra = sum(provided.values()) / 1e6
        names = ", ".join(sorted(n for n in provided if not n.endswith(".dist-info")))
        out.write(f"  of which the Lambda runtime already provides {extra:.2f} MB ({names});"
                  f" without them: {total / 1e6 - extra:.2f} MB\n")
        note += f"; {total / 1e6 - extra:.1f} MB without boto3's tree"
    return Figure("layer size", total / 1e6, TARGET_MB, "MB", note)


def runtime_provided(entry: str) -> bool:
    """Whether a top-level layer entry (package, module or dist-info) belongs to boto3's dependency tree."""
    stem = entry.removesuffix(".py").split("-", 1)[0]
    return stem in RUNTIME_PROVIDED
