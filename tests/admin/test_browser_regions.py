"""The registry upload in real headless Chromium, as a city operator (issue 11): a row of another
region's person is refused on its line and changes nothing; a zip of the CSV and its photo is
imported with the photo. Same Chromium set-up and helpers as test_browser.py."""
from __future__ import annotations

import threading
import zipfile

import pytest
from admin_support import HEADER, import_people, unique_region
from support import free_port, unique_id_number
from test_browser import attach, browser, css, go, press, shot, wait_text  # noqa: F401  (browser: a fixture)

PASSWORD = "Regions2026x"


@pytest.fixture(scope="module")
def world(emulator, photos):
    from test_browser import _browser_or_fail
    from werkzeug.serving import make_server

    from admin_dash.app import create_app
    from pensioncert.admin import staff
    from pensioncert.clock import FakeClock
    from pensioncert.services import services

    _browser_or_fail()
    svc = services()
    svc.clock = FakeClock()
    mine, theirs = unique_region(), unique_region()
    username = f"city{mine}"
    staff.create_staff(svc, username=username, display_name="市级测试员", role="operator",
                       regions=[mine], password=PASSWORD)
    ids = import_people(svc, [("theirs", "陈志强", theirs, "他单位", "deceased")])
    app = create_app()
    port = free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{port}", "svc": svc, "ids": ids, "mine": mine, "theirs": theirs,
           "username": username, "photos": photos}
    server.shutdown()


def test_01_an_operator_is_refused_another_regions_row(browser, world, tmp_path):
    from pensioncert.dal import registry

    go(browser, world, "/login", "h4", "养老保险待遇资格认证")
    css(browser, "#username").send_keys(world["username"])
    css(browser, "#password").send_keys(PASSWORD)
    press(browser, "#login-button")
    wait_text(browser, "#staff-name", "市级测试员")
    sheet = tmp_path / "r.csv"
    sheet.write_text(HEADER + f"{world['ids']['theirs']},陈志强,{world['mine']},本单位,recipient,activated,222222,\n",
                     encoding="utf-8")
    go(browser, world, "/pensioners", "h3", "待遇人员")
    attach(browser, "#registry-upload input[type=file]", sheet)
    wait_text(browser, ".import-summary", "新增或更新 0 行")
    wait_text(browser, "#import-errors .ag-cell", "不在您负责的地区")
    assert "陈志强" not in css(browser, "#import-errors").text
    shot(browser, "10-upload-refused")
    person = registry.get_person(world["svc"].vault.lookup("id", world["ids"]["theirs"]))
    assert (person.region, person.status) == (world["theirs"], "deceased")


def test_02_an_operator_uploads_a_zip_with_photos(browser, world, tmp_path):
    from pensioncert.dal import registry

    number = unique_id_number(1953)
    archive = tmp_path / "名册.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("registry.csv", HEADER + f"{number},欧巴马,{world['mine']},本单位,recipient,,,photos/p.jpg\n")
        out.writestr("photos/p.jpg", (world["photos"] / "obama3.jpg").read_bytes())
    go(browser, world, "/pensioners", "h3", "待遇人员")
    attach(browser, "#registry-upload input[type=file]", archive)
    wait_text(browser, ".import-summary", "新增或更新 1 行", timeout=90)
    shot(browser, "11-upload-zip")
    assert registry.get_person(world["svc"].vault.lookup("id", number)).reference_embedding
