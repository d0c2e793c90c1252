"""The deployed jobs function runs on the API function's code, which carries neither numpy nor faiss
(functions/requirements.txt): the scheduled jobs must not need them; only the duplicate-face job does."""
from __future__ import annotations

import subprocess
import sys

from support import REPO


def test_the_scheduled_jobs_load_without_numpy_or_faiss():
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['faiss'] = None\n"
            "from pensioncert.jobs.handler import run_jobs\n"
            "assert run_jobs(None, ()) == {}\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
