"""checkov in its own virtual environment: `python -m infra.checkov_env` prints its executable.

checkov pins boto3 1.35 and networkx 2.6, which conflict with the project's pins (boto3 1.44;
cfn-lint needs networkx 3), so it cannot share .venv. Its venv (.cache/checkov-venv) is built from
requirements/checkov.txt (every version pinned) and rebuilt when that file changes.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "requirements" / "checkov.txt"
VENV = REPO / ".cache" / "checkov-venv"
STAMP = VENV / ".requirements.sha256"


def checkov_executable() -> Path:
    """Build the venv if missing or stale (~40 s, ~290 MB), then return its checkov."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    executable = VENV / "bin" / "checkov"
    if executable.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return executable
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(digest + "\n")
    return executable


if __name__ == "__main__":
    print(checkov_executable())
