"""The suite's chalice test client keeps the process's own environment (tests/conftest.py): requests
that overlap in time, as the concurrency tests' do, leave ``os.environ`` the process's, so child
processes started afterwards (the write-back's workers, a stack) see what the test process sees."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid


def test_overlapping_requests_leave_os_environ_the_processs_own(api):
    first, second = api.http._patched_env_vars({}), api.http._patched_env_vars({})
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # chalice's own swap restored a plain copy here, out of order
    second.__exit__(None, None, None)
    assert type(os.environ) is os._Environ
    marker = uuid.uuid4().hex
    os.environ["PC_TEST_CLIENT_MARKER"] = marker
    try:
        seen = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('PC_TEST_CLIENT_MARKER'))"],
                              capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    finally:
        del os.environ["PC_TEST_CLIENT_MARKER"]
    assert seen == marker
