"""Data matching in the admin (issue 13): the upload is the command line's import (region rules,
row errors with line numbers, idempotent, audited); the lists the feeds and the jobs keep, region
scoped, and the payment system's export per agency. Since issue 19 an unsigned upload applies only
once a second staff member approves it (rules/four_eyes.py)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime

from admin_support import import_people, operator_for, unique_region
from openpyxl import load_workbook
from support import REPO, unique_id_number

from pensioncert import normalize
from pensioncert.admin import audit, events, overview
from pensioncert.clock import BEIJING, FakeClock
from pensioncert.dal import certifications
from pensioncert.jobs import suspensions

EVENTS = "id_number,name,event_type,event_date,source,source_ref\n"


def approved_upload(svc, uploader, data: bytes, filename: str):
    """An unsigned upload and a second operator of the uploader's region approving it: the report."""
    from pensioncert.admin import confirmations
    from pensioncert.admin.principal import StaffPrincipal

    pending = events.import_upload(svc, uploader, data, filename)
    assert isinstance(pending, events.FeedAwaitingApproval)
    second = StaffPrincipal(f"second_{uploader.username}", "第二经办员", uploader.role, uploader.regions)
    return confirmations.approve(svc, second, pending.confirmation_id)["report"]


def test_an_operator_uploads_a_feed_for_their_region_only_audited(svc, province_admin):
    mine, theirs = unique_region(), unique_region()
    people = import_people(svc, [("a", "杨秀兰", mine, "本单位", "recipient"),
                                 ("b", "黄建国", theirs, "他单位", "recipient")])
    ref = unique_id_number()[-9:]
    sheet = (EVENTS + f"{people['a']},杨秀兰,medical_settlement,2026-02-14,西安市第一医院,M{ref}\n"
             f"{people['b']},黄建国,medical_settlement,2026-02-14,宝鸡市中心医院,M{ref}b\n"
             f"{people['a']},杨秀兰,medical_settlement,2026-13-01,西安市第一医院,M{ref}c\n")
    me = operator_for(mine)
    report = approved_upload(svc, me, sheet.encode("utf-8"), "医保结算.csv")
    assert (report.written, report.outcomes) == (1, {"certified": 1})
    assert [(e.line, e.field) for e in report.errors] == [(3, "id_number"), (4, "event_date")]
    assert certifications.for_year(svc.vault.lookup("id", people["b"]), 2026) is None
    assert certifications.for_year(svc.vault.lookup("id", people["a"]), 2026).method == "data_match"
    figures = overview.summary(svc, me)  # per-source coverage, from counters moved with the write
    assert figures["by_method"]["data_match"] == 1 and figures["certified"] == 1
    assert figures["by_source"] == {"medical_settlement": 1, "bank_counter": 0, "civil_affairs_visit": 0,
                                    "return_home": 0, "transit_ride": 0}
    again = approved_upload(svc, me, sheet.encode("utf-8"), "医保结算.csv")
    assert (again.written, again.unchanged, again.outcomes) == (0, 1, {})
    day = svc.clock.now().astimezone(BEIJING).date().isoformat()
    logged = audit.search(svc, me, day_from=day, day_to=day, action="import_events")
    batches = [e for e in logged if e["actor"] == me.username and e["region"] == mine]
    assert batches and json.loads(batches[0]["after"])["行数"] == 1
    assert people["a"] not in json.dumps(logged, ensure_ascii=False)


def test_suspension_lists_are_region_scoped_and_exported_per_agency(svc, province_admin):
    one, two = unique_region(), unique_region()
    people = import_people(svc, [("a", "郑一", one, "甲单位", "recipient"), ("b", "郑二", two, "乙单位", "recipient"),
                                 ("c", "郑三", one, "甲单位", "recipient")])
    certifications_key = svc.vault.lookup("id", people["c"])
    from pensioncert.logic.certification import record_certification

    record_certification(svc, certifications_key, 2026, "agency", "窗口", one, "甲单位")
    svc.clock = FakeClock(datetime(2027, 1, 2, 9, tzinfo=BEIJING))
    assert suspensions.run(svc, only_regions=[one, two]).suspended == 2

    rows = events.rows(svc, operator_for(one), "suspended")
    assert [(r["name"], r["id"]) for r in rows] == [("郑一", normalize.mask_id_number(people["a"]))]
    name, data = events.export(svc, operator_for(one), "suspended", "csv")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert name.endswith(".csv") and lines[1][:4] == [one, "甲单位", "郑一", people["a"]]
    assert len(lines) == 2 and lines[1][5] == "2027-01-01"

    _, data = events.export(svc, province_admin, "suspended", "xlsx")
    book = load_workbook(io.BytesIO(data))
    for region, person in ((one, "a"), (two, "b")):
        values = [[cell.value for cell in row] for row in book[region[:31]].iter_rows()]
        assert [row[3] for row in values[1:]] == [people[person]]


def test_make_import_events_runs_the_same_import_from_a_file(svc, tmp_path, emulator):
    region = unique_region()
    people = import_people(svc, [("a", "冯丽华", region, "本单位", "recipient")])
    path = tmp_path / "events.csv"
    today = datetime.now(BEIJING).date().isoformat()  # the command runs on the real clock
    path.write_text(EVENTS + f"{people['a']},冯丽华,bank_counter,{today},中国银行,B{unique_id_number()}\n"
                    "oops,冯丽华,bank_counter,2026-01-08,中国银行,X\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pensioncert.import_events", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["written"] == 1 and report["outcomes"] == {"certified": 1}
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "id_number")]


def test_the_page_is_served_and_lays_out_the_lists_for_a_signed_in_operator(svc, monkeypatch):
    import dash

    from admin_dash import app as admin_app_module
    from admin_dash.components import session
    app = admin_app_module.create_app()
    region = unique_region()
    assert "/events" in [page["path"] for page in dash.page_registry.values()]
    from admin_dash.pages import events as page

    monkeypatch.setattr(session, "current_staff", lambda: operator_for(region))
    monkeypatch.setattr(page, "current_staff", lambda: operator_for(region))
    with app.server.test_request_context("/events"):
        text = str(page.layout())
    assert "ev-upload" in text and "暂停发放名单" in text and "ev-rows" in text


def test_the_overview_shows_coverage_by_method_and_by_data_source(svc):
    from admin_dash.pages import overview as page

    rows = page._coverage({"recipients": 4, "by_method": {"app": 1, "data_match": 2},
                           "by_source": {"medical_settlement": 2, "transit_ride": 0}})
    assert rows == [{"name": "本人手机认证", "certified": 1, "share": 25.0},
                    {"name": "数据比对认证", "certified": 2, "share": 50.0},
                    {"name": "数据比对：医保结算", "certified": 2, "share": 50.0},
                    {"name": "数据比对：公交出行", "certified": 0, "share": 0.0}]
