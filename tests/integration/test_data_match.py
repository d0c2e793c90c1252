"""Certification without a selfie (issue 13): a life event from another public system certifies
``data_match`` with the events listed; the retiree sees why over the API; a death record, once a
staff member confirms it (issue 19), stops the pension and lists the months overpaid; imports are
idempotent and refuse bad rows by line."""
from __future__ import annotations

import io
import json

import pytest
from auth_steps import post
from support import unique_id_number

from pensioncert.dal import certifications, life_events, registry
from pensioncert.errors import AppError
from pensioncert.logic.certification import record_certification
from pensioncert.logic.event_import import import_events
from pensioncert.logic.registry_import import Importer, import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
EVENTS = "id_number,name,event_type,event_date,source,source_ref\n"


def get(api, path, token):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def feed(svc, rows: str, importer=None, file="events.csv"):
    kwargs = {"importer": importer} if importer else {}
    return import_events(svc, io.StringIO(EVENTS + rows), file=file, **kwargs)


def confirm_death(svc, key: str, region: str = "西安市") -> dict:
    """A staff member of the region confirms the feed's death record of ``key`` (the confirmations
    list, admin.confirmations): payments stop only then."""
    from pensioncert.admin import confirmations
    from pensioncert.admin.labels import ROLE_OPERATOR
    from pensioncert.admin.principal import StaffPrincipal
    from pensioncert.repositories.confirmations import PENDING

    pending = [item for item in svc.confirmations.with_state(PENDING, region)
               if item.kind == "death_record" and item.subject_key == key]
    assert len(pending) == 1, pending
    clerk = StaffPrincipal("death_clerk", "民政比对经办员", ROLE_OPERATOR, (region,))
    return confirmations.approve(svc, clerk, pending[0].confirmation_id)


def ref() -> str:
    return f"R{unique_id_number()[-10:]}"


@pytest.fixture
def people(svc):
    """Recipients of 西安市 with activated cards (they log in by card, verified)."""
    ids = {label: unique_id_number(1948) for label in ("li", "wang", "zhao", "sun")}
    rows = "".join(f"{ids[label]},{name},西安市,新城区机关事务中心,recipient,activated,135791,\n"
                   for label, name in (("li", "李秀英"), ("wang", "王德明"), ("zhao", "赵桂兰"), ("sun", "孙志强")))
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    return ids


def card_token(api, id_number):
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": "135791"})
    assert status == 200, body
    return body["token"]


def test_a_medical_settlement_certifies_data_match_with_the_event_listed_and_never_twice(svc, api, people):
    report = feed(svc, f"{people['li']},李秀英,medical_settlement,2026-02-14,西安市第一医院,{ref()}\n")
    assert report.errors == [] and report.written == 1 and report.outcomes == {"certified": 1}
    key = svc.vault.lookup("id", people["li"])
    stored = certifications.for_year(key, 2026)
    assert stored.method == "data_match" and stored.operator == "数据比对"
    assert json.loads(stored.evidence) == [
        {"date": "2026-02-14", "source": "西安市第一医院", "event_type": "medical_settlement"}]

    token = card_token(api, people["li"])
    status, body = get(api, "/query/status?subject=self", token)
    assert status == 200 and body["certified"] is True
    assert body["evidence"] == [{"date": "2026-02-14", "source": "西安市第一医院",
                                 "event_type": "medical_settlement", "label": "医保结算"}]
    status, body = get(api, "/query/certifications?subject=self", token)
    assert body["items"][0]["method"] == "data_match"
    assert body["items"][0]["evidence"][0]["source"] == "西安市第一医院"

    # The once-a-year rule holds for every method: the app refuses, and so does a home visit.
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["code"], body["error"]["reason"]) == (409, "NOT_ELIGIBLE", "ALREADY_CERTIFIED")
    with pytest.raises(AppError) as twice:
        record_certification(svc, key, 2026, "home_visit", "上门", "西安市", "新城区机关事务中心")
    assert twice.value.extra["reason"] == "ALREADY_CERTIFIED"
    # A second qualifying event changes nothing.
    again = feed(svc, f"{people['li']},李秀英,bank_counter,2026-02-20,中国银行西安分行,{ref()}\n")
    assert again.outcomes == {"already_certified": 1}
    assert certifications.for_year(key, 2026).certification_id == stored.certification_id


def test_a_relative_sees_the_hospital_as_a_medical_institution(svc, api, people):
    feed(svc, f"{people['wang']},王德明,medical_settlement,2026-01-05,西安市第一医院,{ref()}\n")
    me = card_token(api, people["zhao"])
    status, contact = post(api, "/contacts", {"name": "王德明", "id_number": people["wang"], "relation": "配偶"}, me)
    assert status == 201, contact
    # The relative's own consent from their account (contract v1.1), then the contact's answers.
    wang = card_token(api, people["wang"])
    proxies = get(api, "/me/proxies", wang)[1]["items"]
    assert post(api, f"/me/proxies/{proxies[0]['proxy_id']}/consent", {}, wang)[0] == 200
    status, body = get(api, f"/query/status?subject={contact['contact_id']}", me)
    assert status == 200
    assert body["evidence"] == [{"date": "2026-01-05", "source": "医疗机构",
                                 "event_type": "medical_settlement", "label": "医保结算"}]


def test_one_bus_ride_does_not_certify_rides_in_two_months_do(svc, people):
    key = svc.vault.lookup("id", people["sun"])
    first = feed(svc, f"{people['sun']},孙志强,transit_ride,2026-01-10,西安公交集团,{ref()}\n")
    assert first.outcomes == {"recorded": 1} and certifications.for_year(key, 2026) is None
    same_month = feed(svc, f"{people['sun']},孙志强,transit_ride,2026-01-20,西安公交集团,{ref()}\n")
    assert same_month.outcomes == {"recorded": 1} and certifications.for_year(key, 2026) is None
    feed(svc, f"{people['sun']},孙志强,transit_ride,2026-02-03,西安公交集团,{ref()}\n")
    stored = certifications.for_year(key, 2026)
    assert stored.method == "data_match" and len(json.loads(stored.evidence)) == 3


def test_last_years_event_does_not_certify_this_year(svc, people):
    key = svc.vault.lookup("id", people["zhao"])
    report = feed(svc, f"{people['zhao']},赵桂兰,bank_counter,2025-12-30,中国银行,{ref()}\n")
    assert report.outcomes == {"recorded": 1} and certifications.for_year(key, 2026) is None


def test_imports_are_idempotent_and_refuse_bad_rows_with_line_numbers(svc, people):
    good = f"{people['zhao']},赵桂兰,civil_affairs_visit,2026-02-01,新城区民政局,{ref()}\n"
    rows = (good
            + f"{people['zhao']},赵桂兰,picnic,2026-02-01,公园,{ref()}\n"           # line 3: type
            + f"{people['zhao']},赵桂兰,bank_counter,2026-02-30,中国银行,{ref()}\n"  # line 4: date
            + f"{people['zhao']},赵桂兰,bank_counter,2099-01-01,中国银行,{ref()}\n"  # line 5: future
            + f"{unique_id_number()},无此人,bank_counter,2026-02-01,中国银行,{ref()}\n"  # line 6
            + f"{people['zhao']},赵桂芳,bank_counter,2026-02-01,中国银行,{ref()}\n"  # line 7: name
            + "61010219480101001X,某人,bank_counter,2026-02-01,中国银行,\n")       # line 8: id, ref
    report = feed(svc, rows)
    assert report.rows == 7 and report.written == 1
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "event_type"), (4, "event_date"), (5, "event_date"), (6, "id_number"), (7, "name"),
        (8, "id_number"), (8, "source_ref")]
    # The same file again: nothing new, nothing twice; the good row counts unchanged.
    again = feed(svc, rows)
    assert again.written == 0 and again.unchanged == 1 and again.error_count == 7
    key = svc.vault.lookup("id", people["zhao"])
    assert [e.event_type for e in life_events.events_of(key)] == ["civil_affairs_visit"]
    missing = import_events(svc, io.StringIO("id_number,name,event_type\n1,2,3\n"))
    assert [(e.line, e.field) for e in missing.errors] == [(1, "event_date,source,source_ref")]


def test_an_operator_imports_only_events_of_their_region(svc, people):
    other = unique_id_number(1949)
    assert import_registry(svc, HEADER + f"{other},钱多多,宝鸡市,某单位,recipient,,,\n", None, None).errors == []
    xian = Importer("op_xian", "西安经办员", ("西安市",))
    report = feed(svc, f"{other},钱多多,bank_counter,2026-02-01,中国银行,{ref()}\n"
                       f"{people['wang']},王德明,bank_counter,2026-02-01,中国银行,{ref()}\n", importer=xian)
    assert [(e.line, e.field) for e in report.errors] == [(2, "id_number")]
    assert "宝鸡" not in report.errors[0].message and "钱多多" not in report.errors[0].message
    assert certifications.for_year(svc.vault.lookup("id", other), 2026) is None


def test_a_death_record_ends_the_pension_and_lists_the_months_overpaid(svc, api, people):
    """Died 2025-12-20; the record arrives 2026-03-01: January, February and March were paid."""
    key = svc.vault.lookup("id", people["wang"])
    token = card_token(api, people["wang"])
    report = feed(svc, f"{people['wang']},王德明,death_record,2025-12-20,西安市民政局,{ref()}\n")
    assert report.outcomes == {"death_pending_confirmation": 1}
    assert registry.get_person(key).corrected_status is None  # listed, nothing stopped yet
    assert confirm_death(svc, key)["outcome"] == "deceased"
    person = registry.get_person(key)
    assert (person.corrected_status, person.correction_effective) == ("deceased", "20260301")
    owed = life_events.get_item(key, life_events.OVERPAYMENT)
    assert owed.months == ["2026-01", "2026-02", "2026-03"] and owed.since == "2025-12-20"
    assert [item.subject_key for item in life_events.whole_list("overpayment", "西安市")].count(key) == 1
    # The app now answers SUSPENDED_DECEASED, and a later proof-of-life event certifies nothing.
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["reason"]) == (409, "SUSPENDED_DECEASED")
    later = feed(svc, f"{people['wang']},王德明,medical_settlement,2026-02-01,西安市第一医院,{ref()}\n")
    assert later.outcomes == {"not_recipient": 1} and certifications.for_year(key, 2026) is None


def test_a_death_after_a_data_match_certification_lists_it_for_recovery(svc, people):
    key = svc.vault.lookup("id", people["li"])
    feed(svc, f"{people['li']},李秀英,bank_counter,2026-02-10,中国银行,{ref()}\n")
    feed(svc, f"{people['li']},李秀英,death_record,2026-01-15,西安市民政局,{ref()}\n")
    confirm_death(svc, key)
    owed = life_events.get_item(key, life_events.OVERPAYMENT)
    assert owed.months == ["2026-02", "2026-03"]
    assert [c["method"] for c in json.loads(owed.detail)["certifications_after_death"]] == ["data_match"]


def test_imprisonment_suspends_and_an_exit_is_flagged_for_the_overseas_process(svc, people):
    exit_row = f"{people['zhao']},赵桂兰,exit_abroad,2026-02-05,咸阳机场边检站,{ref()}\n"
    report = feed(svc, f"{people['sun']},孙志强,imprisonment,2026-02-01,西安市中级人民法院,{ref()}\n" + exit_row)
    assert report.outcomes == {"suspended": 1, "flagged": 1}
    assert registry.get_person(svc.vault.lookup("id", people["sun"])).corrected_status == "suspended"
    zhao = svc.vault.lookup("id", people["zhao"])
    assert certifications.for_year(zhao, 2026) is None
    assert zhao in [i.subject_key for i in life_events.whole_list("overseas_review", "西安市")]
    back = feed(svc, f"{people['zhao']},赵桂兰,return_home,2026-02-25,咸阳机场边检站,{ref()}\n")
    assert back.outcomes == {"certified": 1}
    assert zhao not in [i.subject_key for i in life_events.whole_list("overseas_review", "西安市")]
    # The exit's file imported again does not put a returned person back on the list.
    assert feed(svc, exit_row).unchanged == 1
    assert zhao not in [i.subject_key for i in life_events.whole_list("overseas_review", "西安市")]


# --- the jobs: reminders before the due date, suspension at it, reinstatement after ---------------

def beijing(*args):
    from datetime import datetime

    from pensioncert.clock import BEIJING

    return datetime(*args, tzinfo=BEIJING)


def region_of_our_own() -> str:
    return f"数据比对测试{unique_id_number()[-7:]}市"


def outbox(api, phone):
    return json.loads(api.http.get(f"/dev/sms-outbox?phone={phone}").body)["messages"]


def test_a_reminder_goes_once_per_point_only_to_the_uncertified_never_to_the_deceased(svc, api):
    from auth_steps import latest_code, request_code
    from support import unique_phone

    from pensioncert.clock import FakeClock
    from pensioncert.jobs import reminders

    region = region_of_our_own()
    names = {"due": "刘建华", "deceased": "刘德华", "certified": "刘春华"}
    ids = {label: unique_id_number(1946) for label in names}
    assert import_registry(svc, HEADER + "".join(
        f"{ids[label]},{names[label]},{region},某单位,recipient,activated,135791,\n" for label in ids),
        None, None).errors == []
    phones = {}
    for label in ids:  # each logs in by card and binds a phone (an SMS code), as the app does
        token = card_token(api, ids[label])
        phones[label] = unique_phone()
        assert request_code(api, phones[label], "bind_phone")[0] == 202
        assert post(api, "/auth/bind-phone", {"phone": phones[label],
                                              "sms_code": latest_code(api, phones[label])}, token)[0] == 200
    record_certification(svc, svc.vault.lookup("id", ids["certified"]), 2026, "agency", "窗口", region, "某单位")
    assert feed(svc, f"{ids['deceased']},刘德华,death_record,2026-02-20,民政局,{ref()}\n").outcomes == {
        "death_pending_confirmation": 1}
    assert confirm_death(svc, svc.vault.lookup("id", ids["deceased"]), region)["outcome"] == "deceased"
    before = {label: len(outbox(api, phones[label])) for label in ids}

    svc.clock = FakeClock(beijing(2026, 11, 1, 9))  # 60 days before 31 December
    first = reminders.run(svc, only_regions=[region])
    assert (first.point, first.recipients_uncertified, first.sent, first.already) == (60, 1, 1, 0)
    texts = [m["text"] for m in outbox(api, phones["due"])]
    assert len(texts) == before["due"] + 1
    assert "2026年12月31日" in texts[0] and "上门认证" in texts[0] and "亲友" in texts[0]
    for label in ("deceased", "certified"):
        assert len(outbox(api, phones[label])) == before[label]
    # The same point again (a repeated run, or ten days later): nothing more. A run cut short
    # before it recorded its end finds the reminder records (one per person and point).
    assert reminders.run(svc, only_regions=[region]).skipped == 1
    life_events.delete(life_events.JOB_SUBJECT, f"reminders#2026#60#{region}")
    svc.clock.advance(days=10)
    again = reminders.run(svc, only_regions=[region])
    assert (again.point, again.sent, again.already) == (60, 0, 1)
    assert len(outbox(api, phones["due"])) == before["due"] + 1
    # The 30-day point is a new one: one more reminder.
    svc.clock = FakeClock(beijing(2026, 12, 1, 9))
    thirty = reminders.run(svc, only_regions=[region])
    assert (thirty.point, thirty.sent) == (30, 1)
    assert len(outbox(api, phones["due"])) == before["due"] + 2


def _verified_with_phone(api, id_number):
    """A card login (verified) that binds a phone by SMS code, as the app does: (token, phone)."""
    from auth_steps import latest_code, request_code
    from support import unique_phone

    token = card_token(api, id_number)
    phone = unique_phone()
    assert request_code(api, phone, "bind_phone")[0] == 202
    assert post(api, "/auth/bind-phone", {"phone": phone, "sms_code": latest_code(api, phone)}, token)[0] == 200
    return token, phone


@pytest.fixture
def retiree_without_a_phone(svc, api):
    """刘桂兰: a card account but no phone of her own; 王志强, her son, and 赵文华, a stranger, each
    add her as a contact (name + ID number) from a verified account with a phone."""
    region = region_of_our_own()
    retiree, son, stranger = unique_id_number(1938), unique_id_number(1966), unique_id_number(1970)
    assert import_registry(svc, HEADER + f"{retiree},刘桂兰,{region},某单位,recipient,activated,135791,\n"
                           + f"{son},王志强,{region},某单位,recipient,activated,135791,\n"
                           + f"{stranger},赵文华,{region},某单位,recipient,activated,135791,\n",
                           None, None).errors == []
    phones = {}
    for label, number in (("son", son), ("stranger", stranger)):
        token, phones[label] = _verified_with_phone(api, number)
        assert post(api, "/contacts", {"name": "刘桂兰", "id_number": retiree, "relation": "母亲"}, token)[0] == 201
        # Both are certified this year: a reminder they get is about her, not about them.
        record_certification(svc, svc.vault.lookup("id", number), 2026, "agency", "窗口", region, "某单位")
    return {"region": region, "retiree": retiree, "phones": phones}


def _consent_to_the_son(api, retiree_id):
    """Her own consent from her card account (GET /me/proxies, POST .../consent): the son only."""
    token = card_token(api, retiree_id)
    son = [p for p in get(api, "/me/proxies", token)[1]["items"] if p["name_masked"] == "王**"]
    assert post(api, f"/me/proxies/{son[0]['proxy_id']}/consent", {}, token)[0] == 200


def test_a_reminder_reaches_a_retiree_without_a_phone_through_the_relative_she_consented_to(
        svc, api, retiree_without_a_phone):
    """No phone of the retiree's own: the reminder goes to the phone of each consented contact,
    naming her masked (刘**)."""
    from pensioncert.clock import FakeClock
    from pensioncert.jobs import reminders

    setup = retiree_without_a_phone
    _consent_to_the_son(api, setup["retiree"])
    before = len(outbox(api, setup["phones"]["son"]))
    svc.clock = FakeClock(beijing(2026, 11, 1, 9))  # 60 days before 31 December
    report = reminders.run(svc, only_regions=[setup["region"]])
    assert (report.recipients_uncertified, report.sent, report.no_phone, report.messages) == (1, 1, 0, 1)
    texts = [m["text"] for m in outbox(api, setup["phones"]["son"])]  # newest first
    assert len(texts) == before + 1
    assert "您的亲友刘**2026年度的资格认证尚未完成" in texts[0]
    assert "刘桂兰" not in texts[0]


def test_a_stranger_who_added_a_retiree_gets_no_reminder_about_her(svc, api, retiree_without_a_phone):
    """Issue 19, finding 8, replayed: the stranger added her, she consented to her son only."""
    from pensioncert.clock import FakeClock
    from pensioncert.jobs import reminders

    setup = retiree_without_a_phone
    _consent_to_the_son(api, setup["retiree"])
    before = len(outbox(api, setup["phones"]["stranger"]))
    svc.clock = FakeClock(beijing(2026, 11, 1, 9))
    report = reminders.run(svc, only_regions=[setup["region"]])
    assert report.messages == 1  # the son's
    assert len(outbox(api, setup["phones"]["stranger"])) == before


def test_without_anyones_consent_the_reminder_is_the_agencys_to_send(svc, api, retiree_without_a_phone):
    """Nobody consented: no contact hears; she is counted for the agency's letter or call."""
    from pensioncert.clock import FakeClock
    from pensioncert.jobs import reminders

    setup = retiree_without_a_phone
    before = {label: len(outbox(api, phone)) for label, phone in setup["phones"].items()}
    svc.clock = FakeClock(beijing(2026, 11, 1, 9))
    report = reminders.run(svc, only_regions=[setup["region"]])
    assert (report.recipients_uncertified, report.sent, report.no_phone) == (1, 0, 1)
    assert {label: len(outbox(api, phone)) for label, phone in setup["phones"].items()} == before


def test_the_suspension_list_holds_exactly_the_uncertified_and_a_late_certification_reinstates(svc):
    from pensioncert.clock import FakeClock
    from pensioncert.jobs import suspensions

    region = region_of_our_own()
    labels = {"certified": "recipient", "late": "recipient", "by_data": "recipient",
              "deceased": "deceased", "not_recipient": "not_recipient"}
    names = {"certified": "陈一", "late": "陈二", "by_data": "陈三", "deceased": "陈四", "not_recipient": "陈五"}
    ids = {label: unique_id_number(1944) for label in labels}
    assert import_registry(svc, HEADER + "".join(
        f"{ids[label]},{names[label]},{region},某单位,{status},,,\n" for label, status in labels.items()),
        None, None).errors == []
    keys = {label: svc.vault.lookup("id", number) for label, number in ids.items()}
    record_certification(svc, keys["certified"], 2026, "agency", "窗口", region, "某单位")

    svc.clock = FakeClock(beijing(2026, 12, 31, 23))
    # Not yet due for 2026; and none of them owed a 2025 certification (imported in 2026).
    early = suspensions.run(svc, only_regions=[region])
    assert (early.year, early.suspended) == (2025, 0)
    svc.clock = FakeClock(beijing(2027, 1, 1, 2))
    report = suspensions.run(svc, only_regions=[region])
    assert (report.year, report.suspended) == (2026, 2)
    listed = life_events.whole_list("suspended", region)
    assert sorted(item.subject_key for item in listed) == sorted([keys["late"], keys["by_data"]])
    assert {(item.since, item.reason) for item in listed} == {("2027-01-01", "2026年度未完成养老保险待遇资格认证")}
    assert suspensions.run(svc, only_regions=[region]).suspended == 0  # a repeat changes nothing
    life_events.delete(life_events.JOB_SUBJECT, f"suspensions#2026#{region}")
    assert suspensions.run(svc, only_regions=[region]).already == 2  # nor one cut short

    svc.clock = FakeClock(beijing(2027, 2, 10, 10))
    record_certification(svc, keys["late"], 2027, "home_visit", "上门", region, "某单位")
    report = feed(svc, f"{ids['by_data']},陈三,bank_counter,2027-02-09,中国银行,{ref()}\n")
    assert report.outcomes == {"certified": 1}
    assert life_events.whole_list("suspended", region) == []
    back = {item.subject_key: item for item in life_events.whole_list("reinstated", region)}
    assert set(back) == {keys["late"], keys["by_data"]}
    assert back[keys["late"]].months == ["2027-01", "2027-02"] and back[keys["late"]].until == "2027-02-10"


def test_the_yearly_run_lifts_a_suspension_whose_certification_lost_its_lift(svc, monkeypatch):
    """The lift is written after the certification (logic.suspensions): a process that ends between
    the two leaves a certified person on the suspension list. The yearly run repairs it, with the
    same back pay the lift would have listed."""
    from pensioncert.clock import FakeClock
    from pensioncert.jobs import suspensions
    from pensioncert.logic import suspensions as lift

    region = region_of_our_own()
    number = unique_id_number(1943)
    assert import_registry(svc, HEADER + f"{number},褚六,{region},某单位,recipient,,,\n", None, None).errors == []
    key = svc.vault.lookup("id", number)
    svc.clock = FakeClock(beijing(2027, 1, 1, 2))
    assert suspensions.run(svc, only_regions=[region]).suspended == 1

    def process_ends(subject_key, certified_at):
        raise SystemExit("the process ended after the certification was stored")

    svc.clock = FakeClock(beijing(2027, 3, 5, 10))
    monkeypatch.setattr(lift, "lift_after_certification", process_ends)
    with pytest.raises(SystemExit):
        record_certification(svc, key, 2027, "home_visit", "上门", region, "某单位")
    monkeypatch.undo()
    assert certifications.for_year(key, 2027) is not None
    assert [item.subject_key for item in life_events.whole_list("suspended", region)] == [key]

    report = suspensions.run(svc, only_regions=[region])
    assert report.reinstated == 1 and life_events.whole_list("suspended", region) == []
    [back] = life_events.whole_list("reinstated", region)
    assert (back.subject_key, back.months, back.until) == (key, ["2027-01", "2027-02", "2027-03"], "2027-03-05")
    assert suspensions.run(svc, only_regions=[region]).reinstated == 0  # a repeat changes nothing
