"""Fixtures of the H5 browser tests (helpers and the stack in h5_support.py)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from h5_support import (
    AXE_JS,
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    CLIPS,
    DEVSET,
    NPM_PREFIX,
    PHONE,
    SHOTS,
    SPEECH_PROBE,
    H5Stack,
    Phone,
    _browser_or_fail,
)
from support import unique_id_number


@pytest.fixture(scope="session")
def h5_stack():
    _browser_or_fail()
    import build_models

    build_models.build()
    stack = H5Stack()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def people(h5_stack):
    """Registry people whose photos are the dev set's references of the clip people:
    - ``self_p04``: no card; registers by phone, binds real name and certifies with clip p04;
    - ``holder``: a card holder (PIN) who adds ``relative_p06`` and certifies them with clip p06;
    - ``holder_p04``: a card holder whose registry photo is p04: clip p22 is someone else;
    - ``consenter``: a card holder without a photo, added as a relative, who gives consent;
    - ``binder``: a card holder who binds a (domestic relative's) phone number."""
    work = Path(tempfile.mkdtemp(prefix="pc-h5-registry-"))
    rows = {
        "self_p04": ("孙秀兰", "", "", "p04.jpg"),
        "holder": ("赵志刚", "activated", "135790", ""),
        "relative_p06": ("赵德海", "", "", "p06.jpg"),
        "holder_p04": ("钱玉梅", "activated", "246802", "p04.jpg"),
        "consenter": ("吴淑英", "activated", "864200", ""),
        "binder": ("郑国栋", "activated", "975310", ""),
    }
    people = {}
    lines = []
    for key, (name, card, pin, photo) in rows.items():
        number = unique_id_number(1949)
        people[key] = {"id": number, "name": name, "pin": pin}
        lines.append(f"{number},{name},西安市,新城区机关事务中心,recipient,{card},{pin},{photo}\n")
    for person in ("p04", "p06"):
        shutil.copy(DEVSET / "reference" / f"{person}.jpg", work / f"{person}.jpg")
    report = h5_stack.import_registry("".join(lines), work)
    shutil.rmtree(work, ignore_errors=True)
    assert report.get("errors") == [] and report.get("written") == len(rows), report
    return people


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm, installed into .cache/npm at test set-up (never committed)."""
    import fcntl

    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    with open(NPM_PREFIX / ".install.lock", "w") as lock:  # parallel test workers install it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE_JS.is_file():
            npm = shutil.which("npm")
            assert npm, ("npm is needed to fetch axe-core for the accessibility checks: it comes with the "
                         "machine's Node.js (never Debian's npm package, which conflicts with it)")
            subprocess.run([npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "axe-core@4"],
                           check=True, capture_output=True, timeout=300)
    return AXE_JS.read_text()


@pytest.fixture(scope="session")
def open_phone(h5_stack):
    """Opens Chromium at a phone's size with the fake camera playing one dev-set clip."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = []

    def open_(clip: str):
        assert (CLIPS / f"{clip}.mjpeg").is_file(), (
            f"the fake camera's clip {CLIPS / (clip + '.mjpeg')} is missing: these tests need the vision dev "
            "set beside the repository (../shared/vision-devset)")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--use-file-for-fake-video-capture={CLIPS / (clip + '.mjpeg')}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(60)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SPEECH_PROBE})
        drivers.append(driver)
        return driver

    def close(driver) -> None:
        if driver in drivers:
            drivers.remove(driver)
            driver.quit()

    open_.close = close  # type: ignore[attr-defined]
    shutil.rmtree(SHOTS, ignore_errors=True)  # only this run's screens
    SHOTS.mkdir(parents=True)
    yield open_
    for driver in list(drivers):
        close(driver)


@pytest.fixture
def phone_for(open_phone, h5_stack, axe_source):
    made = []

    def make(clip: str, journey: str) -> Phone:
        phone = Phone(open_phone(clip), h5_stack.h5_url, clip, axe_source, journey)
        made.append(phone)
        return phone

    yield make
    # Each test's browsers end with it: a browser left open keeps its fake camera decoding a clip and
    # its page polling, and thirty of them loaded the machine for the rest of a full run.
    for phone in made:
        open_phone.close(phone.driver)
    report = SHOTS / "axe.json"
    results = json.loads(report.read_text()) if report.exists() else {}
    taps_file = SHOTS / "taps.json"
    taps = json.loads(taps_file.read_text()) if taps_file.exists() else {}
    for phone in made:
        results.update(phone.axe_results)
        if phone.taps:
            taps[phone.journey] = phone.taps
    report.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    taps_file.write_text(json.dumps(taps, indent=1))
    for phone in made:
        assert not phone.violations, f"axe: serious or critical violations on {phone.journey}: {phone.violations}"
