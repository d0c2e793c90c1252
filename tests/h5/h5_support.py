"""Helpers of the H5 browser tests: the mobile web client (h5/) in real headless Chromium at a phone's size, against the stack
`make run` starts (python -m localstage.devstack on free ports), with Chromium's fake camera
playing a real person's clip from the vision dev set (../shared/vision-devset/clips/).

- Chromium and chromedriver are Debian's (`make browser`), as in tests/admin/test_browser.py:
  missing, these tests FAIL with the reason (PC_SKIP_BROWSER_TESTS=1 skips them explicitly).
- axe-core comes from npm at set-up (`npm install --prefix .cache/npm axe-core`), never committed.
- Registry people have the dev set's reference photos of the clip people (p04, p06, p22).
- Screenshots go to test-output/h5/.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time

import pytest
from support import REPO, free_port

sys.path.insert(0, str(REPO / "tests" / "reliability"))
from stackctl import LocalStack

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
window.__sent = [];  // path and body size of every API call the page makes
const pageFetch = window.fetch.bind(window);
window.fetch = function (url, init) {
  window.__sent.push({url: String(url), bytes: init && init.body ? new Blob([init.body]).size : 0});
  return pageFetch(url, init);
};
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


class H5Stack(LocalStack):
    """`make run` on free ports (API, emulator, admin and the H5 server), its own state file."""

    def __init__(self, startup_timeout: float = 150.0) -> None:
        self.h5_port = free_port()
        self.h5_url = f"http://127.0.0.1:{self.h5_port}"
        super().__init__(startup_timeout,
                         extra_env={"PC_ADMIN_PORT": str(free_port()), "PC_H5_PORT": str(self.h5_port)},
                         ready_url=self.h5_url + "/")


# --- the phone: screens, axe, and the taps on the face screen ------------------------------------
# Where each action starts in each clip (frame index at 30 fps), read from the dev set README's
# timeline and the per-frame measurements (EAR, MAR, yaw) of the clips: the page's 1.5 s window
# (12 frames, 125 ms apart) starting here covers the action from before it to its end. The page
# records after a 3-2-1 countdown (PcCamera.COUNTDOWN_S), so the test taps that long before, and
# RECORDING_LEAD frames earlier still: the recording then starts at ACTION_START - 4 +/- the tap's
# tolerance, inside the offsets measured to pass (docs/h5.md: -12 to +6 frames) whatever the
# clip's drift over the countdown on a loaded machine.
ACTION_START = {
    "p04": {"blink": 78, "turn_head": 125, "open_mouth": 146},
    "p06": {"blink": 26, "open_mouth": 58, "turn_head": 110},
    "p22": {"blink": 60, "open_mouth": 100, "turn_head": 258},
}
TAP_TOLERANCE_FRAMES = 3
CLIP_FPS = 30
RECORDING_LEAD = 4
THUMB = 24

def clip_thumbnails(clip: str) -> list[list[int]]:
    """Every frame of the clip as a 24 x 24 grey thumbnail (area-averaged)."""
    import cv2
    import numpy as np

    data = (CLIPS / f"{clip}.mjpeg").read_bytes()
    thumbs, start = [], 0
    while True:
        begin = data.find(b"\xff\xd8", start)
        if begin < 0:
            break
        end = data.find(b"\xff\xd9", begin) + 2
        image = cv2.imdecode(np.frombuffer(data[begin:end], np.uint8), cv2.IMREAD_GRAYSCALE)
        thumbs.append(cv2.resize(image, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(int).ravel().tolist())
        start = end
    return thumbs


TAP_AT_FRAME = """
const [thumbs, target, tolerance, timeoutMs, done] = arguments;
const video = document.querySelector('video');
const button = document.getElementById('face-action');
const big = document.createElement('canvas'); big.width = big.height = 96;
const ctx = big.getContext('2d', {willReadFrequently: true});
const size = 24, n = thumbs.length, started = performance.now();
function currentFrame() {
  ctx.drawImage(video, 0, 0, 96, 96);
  const d = ctx.getImageData(0, 0, 96, 96).data;
  const grey = new Float32Array(size * size);
  for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) {
    const i = (y * 96 + x) * 4;
    grey[(y >> 2) * size + (x >> 2)] += (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]) / 16;
  }
  let best = -1, bestDistance = Infinity;
  for (let k = 0; k < n; k++) {
    let s = 0; const t = thumbs[k];
    for (let i = 0; i < size * size; i++) { const e = grey[i] - t[i]; s += e * e; }
    if (s < bestDistance) { bestDistance = s; best = k; }
  }
  return best;
}
(function poll() {
  const k = currentFrame();
  const ahead = (target - k + n) % n;
  if (ahead <= tolerance) {
    button.click();
    // Where the clip is when the page starts recording (after its countdown): the measurement.
    (function recording() {
      if (button.dataset.phase === 'recording') { done({tapped_at: k, recording_at: currentFrame()}); return; }
      if (performance.now() - started > timeoutMs + 10000) { done({tapped_at: k, recording_at: null}); return; }
      setTimeout(recording, 5);
    })();
    return;
  }
  if (performance.now() - started > timeoutMs) { done({timeout: k}); return; }
  setTimeout(poll, ahead > 20 ? 150 : 5);
})();
"""


class Phone:
    """One retiree's phone: the driver, the clip it films, and the checks on every screen."""

    def __init__(self, driver, base_url: str, clip: str, axe_source: str, journey: str):
        self.driver, self.base_url, self.clip, self.axe_source, self.journey = driver, base_url, clip, axe_source, journey
        self.thumbs = clip_thumbnails(clip)
        self.count = 0
        self.violations: dict[str, list] = {}
        self.axe_results: dict[str, list] = {}  # every violation, any impact, per screen
        self.taps: list[dict] = []  # per challenge: the clip frame aimed at and the one tapped at
        self.completions_made = 0  # sessions the last certify() completed (a missed action is tried again)

    # --- looking ---
    def body(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait(self, condition, what: str, timeout: float = 30):
        """condition()'s first true answer; a look that raises (the page re-rendered under us, the
        element not there yet) is looked at again. On timeout a TimeoutError naming ``what``,
        chained from the last look's exception when it raised one."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                result = condition()
                if result:
                    return result
                last = None
            except Exception as error:  # noqa: BLE001 - kept, and raised as the cause on timeout
                last = error
            time.sleep(0.15)
        self.screen("failure")
        try:
            console = "\n".join(entry["message"] for entry in self.driver.get_log("browser"))[-3000:]
        except Exception:  # noqa: BLE001 - the log is a diagnostic only
            console = "(no browser log)"
        looked = f"the last look raised {type(last).__name__}" if last else "the last look found nothing"
        raise TimeoutError(f"{what} did not happen within {timeout:.0f} s ({looked}); the page shows:\n"
                           f"{self.body()[:1500]}\nbrowser console:\n{console}") from last

    def wait_title(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda: text in self.css("#screen-title").text, f"screen {text!r}", timeout)
        time.sleep(0.3)  # let the screen's own requests finish drawing

    def wait_text(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda: text in self.body(), f"text {text!r}", timeout)

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    # --- doing ---
    def open(self, path: str = "") -> None:
        self.driver.get(f"{self.base_url}/{path}")

    def fill(self, element_id: str, value: str) -> None:
        element = self.css(f"#{element_id}")
        element.clear()
        element.send_keys(value)

    def click(self, element_id: str) -> None:
        element = self.wait(lambda: (e := self.css(f"#{element_id}")) and e.is_enabled() and e, f"#{element_id} enabled")
        element.click()

    def card_login(self, id_number: str, pin: str) -> None:
        """On the card-login screen: log in, and leave the phone binding for later if it is asked."""
        self.fill("id_number", id_number)
        self.fill("card_password", pin)
        self.click("card-login-submit")
        self.wait(lambda: any(t in self.css("#screen-title").text for t in ("绑定手机号码", "您好")), "card login")
        if "绑定手机号码" in self.css("#screen-title").text:
            self.bind_later()
        self.wait_title("您好")

    def bind_later(self) -> None:
        """以后再说 on the phone binding, once the local stage's banner with the screen's captcha is
        up: it appears above the buttons when the captcha arrives and moves them down (52 px), so a
        tap computed before it can land beside the button."""
        self.banner_number("图形验证码")
        self.click("bind-later")

    def click_text(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.XPATH, f"//button[normalize-space()='{text}']").click()

    def banner_number(self, label: str) -> str:
        text = self.wait(lambda: (t := self.css("#dev-banner").text) and label in t and t, f"dev banner {label}")
        return re.search(label + r"为\s*(\w+)", text).group(1)

    # --- every screen: a screenshot and axe ---
    def screen(self, name: str) -> None:
        self.count += 1
        self.driver.save_screenshot(str(SHOTS / f"{self.journey}-{self.count:02d}-{name}.png"))
        if name == "failure":
            return
        result = self.axe()
        self.axe_results[f"{self.journey}-{self.count:02d}-{name}"] = result
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        if serious:
            self.violations[name] = serious

    def axe(self) -> list[dict]:
        self.driver.execute_script(self.axe_source)
        return self.driver.execute_async_script(
            "const done = arguments[0]; axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")

    # --- the face screen ---
    def certify(self, name: str, tries: int = 3) -> list[str]:
        """Answer the challenges and wait for the answer. The page captures 12 frames at 8 fps, and a
        clip's action can fall between them (measured: a step in ten at some taps, e.g. p06's opening
        read as one plane at one alignment); a retiree whose action was not seen taps 再试一次, so a
        LIVENESS_FAILED is tried again, up to ``tries`` times, and every other answer is returned."""
        for attempt in range(tries):
            self.completions_made = attempt + 1
            asked = self.do_challenges(name)
            self.wait(lambda: "人脸识别" not in self.css("#screen-title").text, "the certification answer", 180)
            notices = self.all(".notice.error")
            missed = notices and notices[0].get_attribute("data-code") == "LIVENESS_FAILED"
            if not missed or attempt == tries - 1:
                return asked
            self.screen(f"{name}-missed-{attempt + 1}")
            self.click("next-retry")
            self.wait(lambda: self.css("#certify-confirm").is_enabled(), "the blue confirm button")
            self.click("certify-confirm")
            self.wait_title("人脸识别")
        return asked

    def do_challenges(self, name: str) -> list[str]:
        """Answer each challenge the page asks for: wait for its prompt, tap start just before the
        clip shows that action, wait for the page to finish capturing."""
        done = []
        self.wait(lambda: self.css("#face-action").get_attribute("data-state") == "ready", "the first prompt", 40)
        self.wait(lambda: self.css("#guidance").get_attribute("data-verdict") not in (None, "wait"), "live guidance")
        self.screen(f"{name}-face")
        while True:
            challenge = self.css("#prompt").get_attribute("data-challenge")
            assert challenge in ACTION_START[self.clip], challenge
            countdown = round(self.driver.execute_script("return PcCamera.COUNTDOWN_S") * CLIP_FPS)
            aim = (ACTION_START[self.clip][challenge] - countdown - RECORDING_LEAD) % len(self.thumbs)
            tapped = self.driver.execute_async_script(TAP_AT_FRAME, self.thumbs, aim, TAP_TOLERANCE_FRAMES, 30000)
            self.taps.append({"screen": name, "challenge": challenge, "aim": ACTION_START[self.clip][challenge], **tapped})
            assert "tapped_at" in tapped, f"the clip never reached the {challenge} window: {tapped}"
            done.append(challenge)
            self.wait(lambda: self.css("#face-action").get_attribute("data-state") != "capturing", "capture", 30)
            # The page's choice among its recording's frames (PcCamera.chooseFrames), measured.
            self.taps[-1]["first_sent"] = self.css("#face-action").get_attribute("data-first")
            self.taps[-1]["sent"] = self.css("#face-action").get_attribute("data-sent")
            state = self.css("#face-action").get_attribute("data-state")
            if state == "submitting" or state is None:
                break
        return done

    def completion_bodies(self) -> list[int]:
        """Body sizes (bytes) of the page's session completions so far."""
        sent = self.driver.execute_script("return window.__sent || []")
        return [item["bytes"] for item in sent if item["url"].endswith("/complete")]

    def spoken(self) -> list[dict]:
        return self.driver.execute_script("return window.__spoken || []")
