"""Figures that stay right (issue 11): "registered this year" from a write-once first import; an
ID-number correction takes every year's certifications, the contacts and the account along; the
audit log and the name search page through every match by index, with no silent cap."""
from __future__ import annotations

import json
import random
from datetime import datetime
from types import SimpleNamespace

from admin_support import HEADER, operator_for, unique_region
from auth_steps import post
from support import unique_id_number

from pensioncert.admin import audit, pensioners
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.clock import BEIJING
from pensioncert.dal import registry
from pensioncert.logic import queries
from pensioncert.logic.certification import record_certification
from pensioncert.logic.registry_import import import_registry


def test_registered_this_year_is_read_from_the_first_import(svc):
    """A person imported last year who missed last year's certification stays suspended after a
    re-import that changes their unit (which rewrites ``imported_at``)."""
    region, number = unique_region(), unique_id_number(1950)
    key = svc.vault.lookup("id", number)
    svc.clock._now = datetime(2025, 5, 1, 10, tzinfo=BEIJING)
    assert import_registry(svc, HEADER + f"{number},赵新来,{region},甲单位,recipient,,,\n", None, None).errors == []
    svc.clock._now = datetime(2026, 3, 1, 10, tzinfo=BEIJING)
    assert import_registry(svc, HEADER + f"{number},赵新来,{region},乙单位,recipient,,,\n", None, None).written == 1
    account = SimpleNamespace(id_key=key, name="赵新来", user_id="u_first_import")
    assert queries.status(svc, account, "self")["payment_status"] == "suspended"
    person = registry.get_person(key)
    assert person.imported_at.year == 2026 and person.first_imported_at.year == 2025


def card_login(api, id_number: str, pin: str) -> dict:
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": pin})
    assert status == 200, body
    return body


def get(api, path: str, token: str):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def test_an_id_number_correction_moves_every_year_the_contacts_and_the_account(api, svc):
    region = unique_region()
    operator = operator_for(region)
    wrong, right, relative = unique_id_number(1946), unique_id_number(1946), unique_id_number(1970)
    wrong_key = svc.vault.lookup("id", wrong)
    svc.clock._now = datetime(2024, 6, 3, 10, tzinfo=BEIJING)
    rows = (f"{wrong},孙秀兰,{region},本单位,recipient,activated,135791,\n"
            f"{relative},孙小明,{region},本单位,recipient,activated,246802,\n")
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    record_certification(svc, wrong_key, 2024, "home_visit", "上门认证", region, "本单位")
    svc.clock._now = datetime(2025, 6, 3, 10, tzinfo=BEIJING)
    record_certification(svc, wrong_key, 2025, "agency", "经办机构", region, "本单位")
    svc.clock._now = datetime(2026, 3, 1, 10, tzinfo=BEIJING)
    account = card_login(api, wrong, "135791")["user"]["user_id"]
    token = card_login(api, relative, "246802")["token"]
    status, added = post(api, "/contacts", {"name": "孙秀兰", "id_number": wrong, "relation": "母亲"}, token)
    assert status == 201, added

    result = pensioners.correct_id_number(svc, operator, wrong_key, new_id_number=right, reason="号码录入错误")
    svc.clock.advance(days=1)

    moved = card_login(api, right, "135791")
    assert moved["user"]["user_id"] == account  # the same account, not a new card account
    status, history = get(api, "/query/certifications?subject=self", moved["token"])
    assert status == 200 and [item["year"] for item in history["items"]] == [2025, 2024]
    token = card_login(api, relative, "246802")["token"]
    status, eligibility = get(api, f"/certify/eligibility?subject={added['contact_id']}", token)
    assert status == 200 and eligibility["reason"] is None  # the contact follows the person
    assert result["moved"] == {"certifications": 2, "contacts": 1, "accounts": 1}
    day = "2026-03-01"
    event = next(e for e in audit.search(svc, operator, day_from=day, day_to=day, action="correct_id_number")
                 if e["reason"] == "号码录入错误" and right[-4:] in e["after"])
    after = json.loads(event["after"])
    assert (after["转移认证记录"], after["转移亲友关系"], after["转移APP账户"]) == (2, 1, 1)
    assert wrong not in json.dumps(event, ensure_ascii=False) and right not in json.dumps(event, ensure_ascii=False)


def test_the_audit_search_pages_through_every_event_of_a_busy_day(svc, province_admin):
    """More than 500 events in a day: the old search read the newest 500 and filtered them in
    Python, so an earlier event of the day was not found."""
    region, other = unique_region(), unique_region()
    svc.clock._now = datetime(2019, 7, 13, 8, tzinfo=BEIJING)
    early = StaffPrincipal(f"early_{region}", "早班", "operator", (region,))
    late = StaffPrincipal(f"late_{region}", "晚班", "province_admin")
    audit.record(svc, early, "view_person", target="甲", region=region)
    for i in range(520):
        svc.clock.advance(seconds=1)
        audit.record(svc, late, "view_person", target=f"乙{i}", region=region if i % 2 else other)
    day = "2019-07-13"
    assert [e["target"] for e in audit.search(svc, province_admin, day_from=day, day_to=day,
                                              actor=early.username)] == ["甲"]
    pages, cursor = [], None
    while True:
        page = audit.search_page(svc, province_admin, day_from=day, day_to=day, cursor=cursor)
        pages.append(page["rows"])
        cursor = page["next"]
        if cursor is None:
            break
    assert [len(rows) for rows in pages] == [100, 100, 100, 100, 100, 21]
    times = [row["time"] for rows in pages for row in rows]
    assert times == sorted(times, reverse=True) and len({r["target"] for rows in pages for r in rows}) == 521
    mine = audit.search(svc, operator_for(region), day_from=day, day_to=day)
    assert len(mine) == 261 and {row["region"] for row in mine} == {region}


def test_a_name_search_finds_every_match_by_pages_and_only_in_the_operators_regions(svc, province_admin):
    """The old search took 50 matches of the name, then dropped other regions' people: an
    operator's person past those 50 was not found, and the province saw 50 of 53 silently."""
    region, crowd = unique_region(), unique_region()
    name = "测" + "".join(random.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥") for _ in range(4))
    rows = "".join(f"{unique_id_number(1950)},{name},{crowd},本单位,recipient,,,\n" for _ in range(52))
    rows += f"{unique_id_number(1950)},{name},{region},本单位,recipient,,,\n"
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    found, cursor = [], None
    while True:
        page = pensioners.search(svc, province_admin, name, cursor)
        assert len(page["rows"]) <= pensioners.PAGE_SIZE
        found += page["rows"]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(found) == 53 and len({row["key"] for row in found}) == 53
    mine = pensioners.search(svc, operator_for(region), name)
    assert [row["region"] for row in mine["rows"]] == [region] and mine["next"] is None
