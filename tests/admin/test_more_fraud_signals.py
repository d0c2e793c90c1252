"""Issue 19's fraud signals beyond the audit log's (rules/fraud_signals.py): an account certifying many
people by proxy, a staff member recording more visit outcomes in a day than visits allow, a pass just
above the match threshold after a face mismatch, and sessions opened without a completion. Each
situation is built through the API (real faces of the vision dev set) and the admin's services;
nothing is written into a table by hand. Each signal lists exactly the records behind it, a case just
short of its threshold is not listed, and an operator of another region sees none of it."""
from __future__ import annotations

import csv
import io

import devset
import pytest
from admin_support import operator_for, unique_region
from auth_steps import post
from support import unique_id_number, unique_phone
from test_certify_with_faces import complete, import_people, open_session
from test_fraud_signals import card_login, import_rows, signal
from test_manual_evidence import new_staff, vision_models  # noqa: F401 - fixture

from pensioncert import normalize
from pensioncert.admin import confirmations, fraud_signals, home_visits, manual_evidence
from pensioncert.admin.labels import ROLE_OPERATOR
from pensioncert.clock import BEIJING
from pensioncert.dal import certifications
from pensioncert.rules import fraud_signals as rules

PIN = "135791"
RELATIVE = "p04"  # the dev set's person whose real steps answer any draw, and her reference photo
IMPOSTOR = "p06"
# p04's own footage against her reference photo (vision's similarity, match threshold 0.65): an
# open-mouth frame in the band just above the threshold, and one of the same step above the band.
IN_BAND_FRAME, ABOVE_BAND_FRAME = 7, 0  # 0.663 and 0.738


def masked(number: str) -> str:
    return normalize.mask_id_number(number)


# 一个账户代办认证多人 ---------------------------------------------------------------------------


def certify_relatives_by_proxy(svc, api, region: str, how_many: int) -> list[str]:
    """An account (a card holder of ``region``) adds ``how_many`` relatives (p04's face each, no phone
    of their own) and certifies each of them through the API; returns their ID numbers."""
    account, = import_rows(svc, region, [("赵文华", "")])
    token = card_login(api, account)
    relatives = [unique_id_number(1935) for _ in range(how_many)]
    report = import_people(svc, "".join(f"{number},王秀英,{region},本单位,recipient,,,{RELATIVE}.jpg\n"
                                        for number in relatives))
    assert report.errors == [], report.errors
    for number in relatives:
        status, body = post(api, "/contacts", {"name": "王秀英", "id_number": number, "relation": "母亲"}, token)
        assert status == 201, body
        session = open_session(api, token, body["contact_id"])
        status, body = complete(api, token, session["session_id"], devset.answer(session["challenges"], RELATIVE))
        assert (status, body.get("result")) == (200, "passed"), body
    return relatives


@pytest.fixture
def region_of_proxies(svc, api, vision_models):
    """One account certifies the threshold's number of relatives by proxy, another one fewer."""
    region = unique_region()
    many = certify_relatives_by_proxy(svc, api, region, rules.PROXY_CERTIFIED_MANY_PEOPLE)
    certify_relatives_by_proxy(svc, api, region, rules.PROXY_CERTIFIED_MANY_PEOPLE - 1)
    return {"region": region, "many": many}


def test_an_account_certifying_many_people_by_proxy_is_listed_with_exactly_those(svc, region_of_proxies):
    records = signal(svc, operator_for(region_of_proxies["region"]), rules.PROXY_CERTIFIED_MANY.key)
    assert sorted(record["target"] for record in records) == sorted(
        f"王秀英 {masked(number)}" for number in region_of_proxies["many"])


def test_proxy_certifications_are_not_shown_to_an_operator_of_another_region(svc, region_of_proxies):
    assert signal(svc, operator_for(unique_region()), rules.PROXY_CERTIFIED_MANY.key) == []


# 一人一天登记上门结果过多 -------------------------------------------------------------------------


def record_failed_visits(svc, region: str, how_many: int):
    """A staff member of ``region`` records ``how_many`` failed visits (no one at home) in one day,
    each of another person's case; returns the staff member."""
    visitor = new_staff(svc, ROLE_OPERATOR, [region], "hv")
    for number in import_rows(svc, region, [("李桂兰", "")] * how_many):
        case = home_visits.create_from_unit_report(svc, visitor, id_number=number, reason="长期卧床",
                                                   address="某市某路2号", contact_phone=unique_phone())
        home_visits.assign(svc, visitor, case, visitor.username)
        home_visits.record_outcome(svc, visitor, case, passed=False, failure_reason="家中无人")
        svc.clock.advance(minutes=1)
    return visitor


@pytest.fixture
def region_of_visits(svc):
    region = unique_region()
    busy = record_failed_visits(svc, region, rules.VISITS_POSSIBLE_PER_DAY + 1)
    record_failed_visits(svc, region, rules.VISITS_POSSIBLE_PER_DAY)
    return {"region": region, "busy": busy}


def test_more_visit_outcomes_in_a_day_than_visits_allow_are_listed_and_a_possible_day_is_not(svc, region_of_visits):
    records = signal(svc, operator_for(region_of_visits["region"]), rules.VISITS_BEYOND_A_DAY.key)
    assert [record["actor"] for record in records] == [region_of_visits["busy"].username] * (
        rules.VISITS_POSSIBLE_PER_DAY + 1)


def test_the_export_holds_the_visit_outcomes_under_their_signal(svc, region_of_visits):
    _name, content = fraud_signals.export(svc, operator_for(region_of_visits["region"]))
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == [rules.VISITS_BEYOND_A_DAY.title] * (rules.VISITS_POSSIBLE_PER_DAY + 1)


def test_visit_outcomes_are_not_shown_to_an_operator_of_another_region(svc, region_of_visits):
    assert signal(svc, operator_for(unique_region()), rules.VISITS_BEYOND_A_DAY.key) == []


# 人脸比对未通过后以临界相似度通过认证 ---------------------------------------------------------------


def mismatch_then_visit(svc, api, region: str, frame: int) -> str:
    """A retiree (p04's reference photo) whose own session is answered by someone else's face
    (FACE_MISMATCH, counted), then a home visit whose photo is frame ``frame`` of her own footage,
    approved by a second staff member; returns her ID number."""
    number = unique_id_number(1944)
    report = import_people(svc, f"{number},孙秀兰,{region},本单位,recipient,activated,{PIN},{RELATIVE}.jpg\n")
    assert report.errors == [], report.errors
    token = card_login(api, number)
    session = open_session(api, token)
    status, body = complete(api, token, session["session_id"], devset.answer(session["challenges"], IMPOSTOR))
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), body
    svc.clock.advance(minutes=10)
    visitor = new_staff(svc, ROLE_OPERATOR, [region], "nv")
    case = home_visits.create_from_unit_report(svc, visitor, id_number=number, reason="长期卧床",
                                               address="某市某路3号", contact_phone=unique_phone())
    home_visits.assign(svc, visitor, case, visitor.username)
    photo = devset.steps(RELATIVE, "open_mouth")[0].frames()[frame]
    visited_on = svc.clock.now().astimezone(BEIJING).date().isoformat()
    result = home_visits.record_outcome(svc, visitor, case, passed=True, visit=manual_evidence.VisitFacts(
        photo, visited_on, "某市某路3号2单元", visitor.username))
    assert result["outcome"] == "confirming", result
    approved = confirmations.approve(svc, new_staff(svc, ROLE_OPERATOR, [region], "co"), result["confirmation_id"])
    assert approved["outcome"] == "passed", approved
    return number


@pytest.fixture
def region_of_near_matches(svc, api, vision_models):
    """Two retirees, each with a face mismatch: one certified by a visit photo in the band just
    above the match threshold, the other by one above the band."""
    region = unique_region()
    near = mismatch_then_visit(svc, api, region, IN_BAND_FRAME)
    mismatch_then_visit(svc, api, region, ABOVE_BAND_FRAME)
    return {"region": region, "near": near}


def test_a_near_threshold_pass_after_a_mismatch_is_listed_with_the_failed_try(svc, region_of_near_matches):
    number = region_of_near_matches["near"]
    similarity = certifications.for_year(svc.vault.lookup("id", number), 2026).similarity
    records = signal(svc, operator_for(region_of_near_matches["region"]), rules.NEAR_THRESHOLD_AFTER_MISMATCH.key)
    person = f"孙秀兰 {masked(number)}"
    assert [(record["subject"], record["action_label"], record["after"]) for record in records] == [
        (person, "上门认证", f"相似度 {similarity:.4f}"), (person, "人脸比对未通过", "人脸与对比照片不符")]


def test_near_threshold_passes_are_not_shown_to_an_operator_of_another_region(svc, region_of_near_matches):
    assert signal(svc, operator_for(unique_region()), rules.NEAR_THRESHOLD_AFTER_MISMATCH.key) == []


# 大量认证会话开启后未完成 -----------------------------------------------------------------------


def open_sessions_over_two_days(svc, api, region: str, name: str, complete_last: bool) -> str:
    """A retiree's account opens a day's sessions (the per-subject cap) on two days running, leaving
    each unanswered, except, with ``complete_last``, the last one, answered with a still photo
    (liveness fails, but the session is completed); returns the ID number."""
    number, = import_rows(svc, region, [(name, f"{RELATIVE}.jpg")], devset.reference_dir())
    token = card_login(api, number)
    per_day = svc.settings.liveness_sessions_per_subject_per_day
    for day in range(2):
        for _ in range(per_day):
            status, session = post(api, "/certify/sessions", {"subject": "self"}, token)
            assert status == 201, session
        if day == 0:
            svc.clock.advance(days=1)
            token = card_login(api, number)  # the token of the day before has expired
    if complete_last:
        still = [{"challenge": challenge, "frames": devset.repeated_frame_b64(RELATIVE)}
                 for challenge in session["challenges"]]
        status, body = complete(api, token, session["session_id"], still)
        assert (status, body["error"]["code"]) == (422, "LIVENESS_FAILED"), body
    return number


@pytest.fixture
def region_of_sessions(svc, api, vision_models):
    """Two accounts open 20 sessions each over two days: one leaves all 20 unfinished, the other 19."""
    assert 2 * svc.settings.liveness_sessions_per_subject_per_day == rules.SESSIONS_LEFT_UNFINISHED
    region = unique_region()
    idle = open_sessions_over_two_days(svc, api, region, "钱玉兰", complete_last=False)
    open_sessions_over_two_days(svc, api, region, "吴玉兰", complete_last=True)
    return {"region": region, "idle": idle}


def test_an_account_leaving_many_sessions_unfinished_is_listed_with_its_days(svc, region_of_sessions):
    records = signal(svc, operator_for(region_of_sessions["region"]), rules.SESSIONS_UNFINISHED.key)
    assert [(record["subject"], record["time"], record["after"]) for record in records] == [
        ("APP账户 钱**", "2026-03-01", "开启10次，完成0次"), ("APP账户 钱**", "2026-03-02", "开启10次，完成0次")]


def test_unfinished_sessions_are_not_shown_to_an_operator_of_another_region(svc, region_of_sessions):
    assert signal(svc, operator_for(unique_region()), rules.SESSIONS_UNFINISHED.key) == []


def test_a_tally_that_cannot_be_written_neither_refuses_the_opening_nor_the_completion(svc, api, vision_models,
                                                                                       monkeypatch):
    """The tally decides nothing: with its table failing (throttled, say), a retiree still opens a
    session and has it decided, and nothing is tallied."""
    from pensioncert.dal import liveness_sessions

    def failing(*_args, **_kwargs):
        raise RuntimeError("the tally's table is unavailable")

    monkeypatch.setattr(liveness_sessions, "_count", failing)
    region = unique_region()
    number, = import_rows(svc, region, [("郑玉兰", f"{RELATIVE}.jpg")], devset.reference_dir())
    token = card_login(api, number)
    status, session = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert status == 201, session
    still = [{"challenge": challenge, "frames": devset.repeated_frame_b64(RELATIVE)} for challenge in session["challenges"]]
    status, body = complete(api, token, session["session_id"], still)
    assert (status, body["error"]["code"]) == (422, "LIVENESS_FAILED"), body
    monkeypatch.undo()
    assert liveness_sessions.day_tallies([region], [svc.clock.now().astimezone(BEIJING).strftime("%Y%m%d")]) == []
