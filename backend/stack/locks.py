"""The lock files, compiled by uv from pyproject.toml (`make lock`; checked by a test).

`uv.lock` is the resolution; the pip-installable files below are exported from it with
hashes, one full closure each, so that `pip install -r` installs exactly the locked set.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BACKEND_DIR.parent

# file -> what uv exports into it (always without the project itself, which is not a package)
EXPORTS: dict[Path, list[str]] = {
    BACKEND_DIR / "requirements.txt": ["--no-dev"],
    BACKEND_DIR / "requirements-dev.txt": [],  # uv's default: runtime and the dev group
    REPO_DIR / "bench" / "requirements.txt": ["--group", "bench"],
}


def _uv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uv", *args],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def _export(target: Path, options: list[str], output: Path) -> None:
    # A relative path, so that the header uv writes names no folder of this machine.
    path = os.path.relpath(output, BACKEND_DIR)
    done = _uv("export", "--frozen", "--no-emit-project", "--quiet", *options, "-o", path)
    if done.returncode != 0:
        raise RuntimeError(f"uv export for {target.name} failed:\n{done.stderr}")


def lock() -> None:
    """Resolve pyproject.toml into uv.lock, then export every requirements file."""
    done = _uv("lock")
    if done.returncode != 0:
        raise RuntimeError(f"uv lock failed:\n{done.stderr}")
    for target, options in EXPORTS.items():
        _export(target, options, target)


def check() -> list[str]:
    """What disagrees: uv.lock against pyproject.toml, each export against uv.lock."""
    problems = []
    done = _uv("lock", "--check")
    if done.returncode != 0:
        problems.append(f"uv.lock does not match pyproject.toml:\n{done.stderr.strip()}")
    with tempfile.TemporaryDirectory() as folder:
        for target, options in EXPORTS.items():
            fresh = Path(folder) / target.name
            _export(target, options, fresh)
            diff = _diff(target, fresh)
            if diff:
                problems.append(f"{target.relative_to(REPO_DIR)} is not uv.lock's export:\n{diff}")
    return problems


def _diff(committed: Path, fresh: Path) -> str:
    # uv writes the command into a header comment, which names the output file.
    def body(path: Path) -> list[str]:
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]

    return "\n".join(difflib.unified_diff(body(committed), body(fresh), lineterm="", n=0))
