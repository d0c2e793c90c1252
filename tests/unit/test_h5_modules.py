"""The H5's API client and router (h5/app/api.js, router.js), run by Node's own test runner without
a browser: the modules are copied beside their tests into a folder marked as ES modules, so any
Node 20 runs them (no flag, no npm package)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULES = ("api.js", "router.js")
TESTS = REPO / "tests" / "h5_modules"


def test_the_api_client_and_the_router_without_a_browser(tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is needed (a fresh machine has Node.js 20; README: what a fresh machine needs)"
    for name in MODULES:
        shutil.copy(REPO / "h5" / "app" / name, tmp_path / name)
    tests = sorted(TESTS.glob("*.test.js"))
    assert [t.name for t in tests] == ["api.test.js", "router.test.js"]
    for test in tests:
        shutil.copy(test, tmp_path / test.name)
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    run = subprocess.run([node, "--test", *[t.name for t in tests]], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# fail 0" in run.stdout and "# pass 14" in run.stdout, run.stdout
