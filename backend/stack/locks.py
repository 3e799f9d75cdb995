"""The lock files, compiled by uv from pyproject.toml (`make lock`; checked by a test).

`uv.lock` is the resolution; the pip-installable files below are exported from it with
hashes, one full closure each, so that `pip install -r` installs exactly the locked set.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
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


# The same dependencies on Django 6.x (its built-in django.tasks), for `make test-django6`:
# pyproject.toml with Django's requirement swapped (and the oldest Python Django 6 supports),
# locked by uv in a scratch folder into uv-django6.lock, exported with hashes.
DJANGO6_LOCK = BACKEND_DIR / "requirements-django6.txt"
DJANGO6_UV_LOCK = BACKEND_DIR / "uv-django6.lock"
DJANGO6_REQUIREMENT = "Django>=6.0,<6.1"
# Django 6 runs on Python 3.12 and later: uv resolves for those alone.
DJANGO6_ENVIRONMENTS = "environments = [\"python_full_version >= '3.12'\"]"


def _uv(*args: str, cwd: Path = BACKEND_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uv", *args],
        cwd=cwd,
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


def django6_pyproject() -> str:
    """pyproject.toml as it would read on Django 6.x."""
    text = (BACKEND_DIR / "pyproject.toml").read_text()
    text, swapped = re.subn(r'"Django>=5[^"]*"', f'"{DJANGO6_REQUIREMENT}"', text, count=1)
    text, placed = re.subn(r"^\[tool\.uv\]$", f"[tool.uv]\n{DJANGO6_ENVIRONMENTS}", text,
                           count=1, flags=re.MULTILINE)  # fmt: skip
    if not (swapped and placed):
        raise RuntimeError("pyproject.toml: no Django 5 requirement or [tool.uv] table")
    return text


def _django6(folder: Path, *, check: bool) -> subprocess.CompletedProcess[str]:
    """Lock (or check the lock of) the Django 6 project in `folder`, starting from the
    committed uv-django6.lock, or the first time from uv.lock (the same versions elsewhere)."""
    (folder / "pyproject.toml").write_text(django6_pyproject())
    start = DJANGO6_UV_LOCK if DJANGO6_UV_LOCK.exists() else BACKEND_DIR / "uv.lock"
    shutil.copyfile(start, folder / "uv.lock")
    return _uv("lock", *(["--check"] if check else []), "--quiet", "--no-python-downloads",
               cwd=folder)  # fmt: skip


def _export_django6(folder: Path, output: Path) -> None:
    done = _uv("export", "--frozen", "--no-emit-project", "--quiet", "-o", "requirements.txt",
               cwd=folder)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"uv export for {DJANGO6_LOCK.name} failed:\n{done.stderr}")
    output.write_text((folder / "requirements.txt").read_text())


def lock() -> None:
    """Resolve pyproject.toml into uv.lock, then export every requirements file."""
    done = _uv("lock")
    if done.returncode != 0:
        raise RuntimeError(f"uv lock failed:\n{done.stderr}")
    for target, options in EXPORTS.items():
        _export(target, options, target)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        done = _django6(folder, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"uv lock on Django 6 failed:\n{done.stderr}")
        shutil.copyfile(folder / "uv.lock", DJANGO6_UV_LOCK)
        _export_django6(folder, DJANGO6_LOCK)


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
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        done = _django6(project, check=True)
        if done.returncode != 0:
            problems.append(f"{DJANGO6_UV_LOCK.name} does not match pyproject.toml on "
                            f"Django 6:\n{done.stderr.strip()}")  # fmt: skip
            return problems
        _export_django6(project, project / "fresh.txt")
        if diff := _diff(DJANGO6_LOCK, project / "fresh.txt"):
            problems.append(f"{DJANGO6_LOCK.name} is not {DJANGO6_UV_LOCK.name}'s export:\n{diff}")
    return problems


def _diff(committed: Path, fresh: Path) -> str:
    # uv writes the command into a header comment, which names the output file.
    def body(path: Path) -> list[str]:
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]

    return "\n".join(difflib.unified_diff(body(committed), body(fresh), lineterm="", n=0))
