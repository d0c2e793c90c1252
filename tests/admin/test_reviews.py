"""The review queue (人工复核) as staff use it: an appeal made through the API after a real FACE_MISMATCH
(the retiree p06's session answered with p04's real steps), shown with its evidence frames beside the
reference, decided with a reason; the retiree sees the outcome in /query/status."""
from __future__ import annotations

import devset
import pytest
from auth_steps import post
from support import unique_id_number
from test_certify_with_faces import _user_id, complete, get, import_people, open_session, retiree, vision_models  # noqa: F401

from pensioncert.admin import audit, confirmations, home_visits, reviews, staff
from pensioncert.admin.labels import ROLE_OPERATOR, ROLE_PROVINCE_ADMIN
from pensioncert.clock import beijing_date
from pensioncert.dal import certifications
from pensioncert.errors import AppError

REGION = "西安市"  # the retiree fixture's region


def new_staff(svc, role: str, regions: list[str], label: str):
    username = f"{label}{unique_id_number()[-8:]}"
    assert staff.create_staff(svc, username=username, display_name=f"{label}审核员", role=role,
                              regions=regions, password="Review2026abc")
    return staff.current(username, svc)


def appeal(api, retiree, impostor: str = "p04", session=None) -> str:
    """A real FACE_MISMATCH through the API (another dev-set person's real steps in front of the
    retiree's phone), then the appeal: the review's id."""
    session = session or open_session(api, retiree["token"])
    status, body = complete(api, retiree["token"], session["session_id"],
                            devset.answer(session["challenges"], impostor))
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), body
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session["session_id"]},
                        retiree["token"])
    assert status == 201, body
    return body["review_id"]


@pytest.fixture
def case(api, svc, retiree):
    return {"review_id": appeal(api, retiree), "retiree": retiree, "key": svc.vault.lookup("id", retiree["id"]),
            "op": new_staff(svc, ROLE_OPERATOR, [REGION], "xa"),
            "elsewhere": new_staff(svc, ROLE_OPERATOR, ["延安市"], "ya")}


def refused(call) -> AppError:
    with pytest.raises(AppError) as error:
        call()
    return error.value


def test_the_case_shows_the_evidence_beside_the_reference_with_scores_and_reasons(svc, case):
    op, review_id = case["op"], case["review_id"]
    assert review_id in [row["review_id"] for row in reviews.queue(svc, op)]
    # Another region's operator neither lists it nor opens it.
    assert review_id not in [row["review_id"] for row in reviews.queue(svc, case["elsewhere"])]
    assert refused(lambda: reviews.detail(svc, case["elsewhere"], review_id)).status == 403
    assert refused(lambda: reviews.decide(svc, case["elsewhere"], review_id, passed=True, reason="本人")).status == 403
    shown = reviews.detail(svc, op, review_id)
    assert shown["kind"] == "app" and shown["failure"] == "人脸比对不一致"
    assert 0 <= float(shown["similarity"]) < 0.5 and shown["failure_detail"].startswith("FACE_MISMATCH:similarity:")
    assert shown["review_band"] is False  # someone else far below the threshold
    assert len(shown["evidence_images"]) >= 2
    assert all(image["src"].startswith("data:image/") for image in shown["evidence_images"])
    assert shown["reference_image"].startswith("data:image/jpeg;base64,")
    assert shown["reference_label"] == "业务系统登记照片"
    day = beijing_date(svc.clock.now())
    day = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    events = audit.search(svc, op, day_from=day, day_to=day, action="review_view")
    assert any(review_id in event["target"] for event in events)


def test_passed_certifies_as_agency_with_the_reviewer_and_the_retiree_sees_it(api, svc, case):
    op, review_id, token = case["op"], case["review_id"], case["retiree"]["token"]
    assert refused(lambda: reviews.decide(svc, op, review_id, passed=True, reason="")).status == 400
    proposed = reviews.decide(svc, op, review_id, passed=True, reason="比对登记照片与现场帧，确为本人")
    # Four eyes (issue 19): the pass certifies once a second staff member confirms it.
    assert proposed["outcome"] == "confirming" and certifications.for_year(case["key"], 2026) is None
    assert refused(lambda: confirmations.approve(svc, op, proposed["confirmation_id"])).status == 403
    second = new_staff(svc, ROLE_OPERATOR, [REGION], "xb")
    assert confirmations.approve(svc, second, proposed["confirmation_id"])["outcome"] == "passed"
    stored = certifications.for_year(case["key"], 2026)
    assert stored.method == "agency" and op.display_name in stored.operator and second.display_name in stored.operator
    assert stored.operator_user_id == f"staff:{second.username}" and stored.evidence_key.endswith(".json")
    # Decided once: a second decision (another reviewer at the same time) is refused.
    assert refused(lambda: reviews.decide(svc, op, review_id, passed=False, reason="x")).status == 400
    status, current = get(api, "/query/status?subject=self", token)
    assert status == 200 and current["certified"] is True
    assert (current["review"]["state"], current["review"]["outcome"]) == ("decided", "passed")
    status, history = get(api, "/query/certifications?subject=self", token)
    assert history["items"][0]["method"] == "agency"


def test_refused_proposes_a_home_visit_and_a_new_appeal_can_follow(api, svc, case):
    op, review_id, token = case["op"], case["review_id"], case["retiree"]["token"]
    result = reviews.decide(svc, op, review_id, passed=False, reason="现场帧与登记照片不是同一人")
    assert result["outcome"] == "refused"
    visit = next(row for row in home_visits.queue(svc, op) if row["case_id"] == result["case_id"])
    assert visit["source"] == "人工复核未通过" and review_id in visit["reason"]
    _status, current = get(api, "/query/status?subject=self", token)
    assert current["certified"] is False
    assert (current["review"]["state"], current["review"]["outcome"]) == ("decided", "refused")
    assert certifications.for_year(case["key"], 2026) is None
    # The decided review no longer blocks one. Another impostor (p04's frames again would be a replay):
    # p13, whose real steps are a blink and an open mouth, so a draw of those two (days move on when a
    # day's sessions are used up, and the retiree logs in again: a token lasts two hours).
    retiree = dict(case["retiree"])
    for _ in range(40):
        status, session = post(api, "/certify/sessions", {"subject": "self"}, retiree["token"])
        if status == 429 and session["error"]["code"] == "SESSION_LIMIT":
            svc.clock.advance(days=1)
            retiree["token"] = post(api, "/auth/card-login", {"id_number": retiree["id"], "card_password": "135791"})[1]["token"]
        elif set(session["challenges"]) == {"blink", "open_mouth"}:
            break
    assert appeal(api, retiree, impostor="p13", session=session) != review_id


def test_a_review_past_its_deadline_counts_as_overdue(svc, case):
    op, review_id = case["op"], case["review_id"]
    row = next(r for r in reviews.queue(svc, op) if r["review_id"] == review_id)
    assert row["overdue"] is False
    before = reviews.overdue_count(svc, op)
    svc.clock.advance(days=8)  # Sunday + 8 days: past five working days
    row = next(r for r in reviews.queue(svc, op) if r["review_id"] == review_id)
    assert row["overdue"] is True and reviews.overdue_count(svc, op) >= before + 1
    admin = new_staff(svc, ROLE_PROVINCE_ADMIN, [], "pv")
    assert review_id in [r["review_id"] for r in reviews.queue(svc, admin) if r["overdue"]]


def test_a_mismatch_just_below_the_threshold_reaches_the_reviewer_marked_as_in_the_review_band(svc, api):
    """Vision's review band travels as a field (issue 21: it was a ":review" suffix on a string the
    API parsed): p06's real steps against p25's registry photo score 0.53-0.55 on every answerable
    draw, inside [REVIEW_THRESHOLD, MATCH_THRESHOLD) (0.46, 0.65 today), and the reviewer's case says so."""
    person = unique_id_number(1948)
    report = import_people(svc, f"{person},吴桂芳,西安市,新城区机关事务中心,recipient,activated,246802,p25.jpg\n")
    assert report.errors == [] and report.written == 1
    token = post(api, "/auth/card-login", {"id_number": person, "card_password": "246802"})[1]["token"]
    review_id = appeal(api, {"id": person, "token": token, "user_id": _user_id(token)}, impostor="p06")
    shown = reviews.detail(svc, new_staff(svc, ROLE_OPERATOR, [REGION], "band"), review_id)
    assert shown["review_band"] is True, shown["similarity"]
    from vision.matching import MATCH_THRESHOLD, REVIEW_THRESHOLD

    assert REVIEW_THRESHOLD <= float(shown["similarity"]) < MATCH_THRESHOLD and shown["failure_detail"].startswith("FACE_MISMATCH:similarity:")
