"""Helpers of the H5 browser tests: the mobile web client (h5/) in real headless Chromium at a phone's size, against the stack
`make run` starts (python -m pensioncert.devstack on free ports), with Chromium's fake camera
playing a real person's clip from the vision dev set (../shared/vision-devset/clips/).

- Chromium and chromedriver are Debian's (`make browser`), as in tests/admin/test_browser.py:
  missing, these tests FAIL with the reason (PC_SKIP_BROWSER_TESTS=1 skips them explicitly).
- axe-core comes from npm at set-up (`npm install --prefix .cache/npm axe-core`), never committed.
- Registry people have the dev set's reference photos of the clip people (p04, p06, p22).
- Screenshots go to test-output/h5/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from support import REPO, free_port, unique_id_number

sys.path.insert(0, str(REPO / "tests" / "reliability"))
from stackctl import _clean_env, _StackClient  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEVSET = REPO.parent / "shared" / "vision-devset"
CLIPS = DEVSET / "clips"
SHOTS = REPO / "test-output" / "h5"
NPM_PREFIX = REPO / ".cache" / "npm"
AXE_JS = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 780, "deviceScaleFactor": 2, "mobile": True}
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--lang=zh-CN", "--window-size=360,780",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  "--autoplay-policy=no-user-gesture-required")
# Records what the page speaks (the page's speechSynthesis calls), before any page script runs.
SPEECH_PROBE = """
window.__spoken = [];
if (window.speechSynthesis) {
  const original = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = function (u) { window.__spoken.push({text: u.text, lang: u.lang}); try { original(u); } catch (e) {} };
}
"""


def _browser_or_fail() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    message = (f"H5 BROWSER TESTS NOT RUN: {', '.join(missing)} missing. Run `make browser` "
               "(apt-get install chromium chromium-driver) or set PC_SKIP_BROWSER_TESTS=1 to skip "
               "them explicitly.")
    if os.environ.get("PC_SKIP_BROWSER_TESTS") == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


class H5Stack(_StackClient):
    """`make run` on free ports (API, emulator, admin and the H5 server), its own state file."""

    def __init__(self, startup_timeout: float = 150.0) -> None:
        self.api_port, self.emulator_port, self.h5_port = free_port(), free_port(), free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="pc-h5-stack-"))
        self.state_file = self._dir / "devstack.json"
        env = _clean_env()
        env.update(PC_API_PORT=str(self.api_port), PC_EMULATOR_PORT=str(self.emulator_port),
                   PC_ADMIN_PORT=str(free_port()), PC_H5_PORT=str(self.h5_port),
                   PC_DEVSTACK_STATE=str(self.state_file), PC_LOCAL_STATE_DIR=str(self._dir / "state"))
        self.log = (self._dir / "stack.log").open("w+")
        self._process = subprocess.Popen([sys.executable, "-m", "pensioncert.devstack"], cwd=REPO, env=env,
                                         stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self.h5_url = f"http://127.0.0.1:{self.h5_port}"
        self.aws_endpoint = f"http://127.0.0.1:{self.emulator_port}"
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("the local stack exited:\n" + self.read_log())
            if self.state_file.exists():
                try:
                    requests.get(self.h5_url + "/", timeout=2)
                    requests.post(self.h5_url + "/api/auth/captcha", timeout=5)
                    break
                except requests.ConnectionError:
                    pass
            time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"the local stack did not come up within {startup_timeout:.0f} s")
        self.environment = json.loads(self.state_file.read_text())["environment"]

    def read_log(self) -> str:
        self.log.flush()
        return (self._dir / "stack.log").read_text(errors="replace")

    def child_env(self) -> dict:
        env = super().child_env()
        env["PC_DEVSTACK_STATE"] = str(self.state_file)
        return env

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self.log.close()
        shutil.rmtree(self._dir, ignore_errors=True)
