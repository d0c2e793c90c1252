"""checkov in its own virtual environment: `python -m infra.checkov_env` prints its executable.

checkov pins boto3 1.35 and networkx 2.6, which conflict with the project's pins (boto3 1.44;
cfn-lint needs networkx 3), so it cannot share .venv. Its venv is built from
requirements/checkov.txt (every version pinned) in the user's cache folder
(``${XDG_CACHE_HOME:-~/.cache}/pensioncert/checkov-<hash of that file>``), so every clone on a
machine shares one build (about 40 s and 290 MB) and a changed file builds a new one.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "requirements" / "checkov.txt"


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pensioncert"


def checkov_executable() -> Path:
    """Build the venv if missing (one build at a time, under a lock), then return its checkov."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    venv = cache_root() / f"checkov-{digest}"
    executable, done = venv / "bin" / "checkov", venv / ".complete"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"checkov-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (executable.exists() and done.exists()):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", "-r", str(REQUIREMENTS)], check=True)
            done.write_text(digest + "\n")
    return executable


if __name__ == "__main__":
    print(checkov_executable())
