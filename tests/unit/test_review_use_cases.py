"""The review use cases without AWS: an appeal from the app and a manual certification's review
(pensioncert/logic/reviews.py), and the admin's queue, case and decision (pensioncert/admin/reviews.py).
The reviews are in the in-memory repository (held to the same contract as DynamoDB's by
tests/integration/test_review_repository.py), whose ``audit`` holds the events written with each
opening and decision; the confirmations and home-visit cases a decision opens are in theirs. The
aggregates that have no repository yet (the registry, the liveness sessions, the attempts, the
certifications, the audit of a view) and the outside world (S3, vision, the trusted reference) are
stand-ins set on their modules for each test."""
from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from support import unique_id_number

from pensioncert import errors, normalize
from pensioncert import labels as app_labels
from pensioncert.admin import labels
from pensioncert.admin import reviews as admin
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.clock import FakeClock
from pensioncert.dal import audit as audit_dal
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import reviews
from pensioncert.logic.eligibility import CertifyDecision
from pensioncert.logic.references import REGISTRY_PHOTO, References
from pensioncert.logic.subjects import SELF
from pensioncert.pii import PiiVault
from pensioncert.repositories.confirmations import PENDING as CONFIRMATION_PENDING
from pensioncert.repositories.confirmations import InMemoryConfirmations
from pensioncert.repositories.contacts import InMemoryContacts
from pensioncert.repositories.home_visits import InMemoryHomeVisits
from pensioncert.repositories.reviews import DECIDED, PENDING, InMemoryReviews, ReviewCase
from pensioncert.rules.certification import ALREADY_CERTIFIED
from pensioncert.rules.four_eyes import REVIEW
from pensioncert.services import Services
from pensioncert.settings import Settings
from pensioncert.vision_client import VisionRefusal

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)  # Sunday, 17:00 in Beijing
DUE = "2026-03-06T17:00:00+08:00"  # five working days on
REGION, OTHER_REGION = "西安市", "宝鸡市"
ADDRESS = "西安市新城区测试路1号"
PARALLEL = 8


class FakeS3:
    """The evidence bucket: ``objects`` by key."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def head_object(self, Bucket, Key):
        if Key not in self.objects:
            raise KeyError(Key)
        return {}

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self.objects[Key])}


class FakeVision:
    """What vision answers when a session's evidence is decided again: ``refusal`` or a pass."""

    def __init__(self) -> None:
        self.refusal: VisionRefusal | None = VisionRefusal("FACE_MISMATCH", "0.3125", similarity=0.31254,
                                                           review_band=True)

    def decide_session_evidence(self, bucket, key, templates):
        if self.refusal is not None:
            raise self.refusal
        return {"similarity": 0.91234}


@pytest.fixture
def world(monkeypatch):
    """A Services on the in-memory reviews, confirmations, home-visit cases and contacts, and the
    stand-ins: ``people`` the registry by ID key, ``sessions`` the liveness sessions by id,
    ``failures`` the counted failures by budget key, ``certified`` the certifications asked for
    (``certify_answer`` what the once-a-year write answers), ``audit`` the events appended on
    their own, ``s3`` the evidence bucket, ``vision`` the face check."""
    svc = Services(settings=Settings(pii_key="k" * 32, token_secret="t" * 64), vault=PiiVault("k" * 32),
                   clock=FakeClock(NOW), contacts=InMemoryContacts(), reviews=InMemoryReviews(),
                   confirmations=InMemoryConfirmations(), home_visits=InMemoryHomeVisits())
    state = SimpleNamespace(svc=svc, store=svc.reviews, people={}, sessions={}, failures={}, certified=[],
                            certify_answer="cert", audit=[], eligibility=None, s3=FakeS3(), vision=FakeVision())
    svc._vision = state.vision  # type: ignore[assignment]
    monkeypatch.setattr(svc, "client", lambda service: state.s3)
    monkeypatch.setattr(registry, "get_person", lambda id_key, today=None: state.people.get(id_key))
    monkeypatch.setattr(svc.sessions, "get", state.sessions.get)
    monkeypatch.setattr(reviews.certifications, "failures", lambda key, year: state.failures.get(key, 0))
    monkeypatch.setattr(reviews.eligibility, "may_certify_person",
                        lambda svc, key, person, path: CertifyDecision(state.eligibility, person, None))
    monkeypatch.setattr(reviews.trusted_references, "trusted",
                        lambda svc, person, name, ask_authority=True: References(REGISTRY_PHOTO, ((0.1, 0.2),)))
    monkeypatch.setattr(audit_dal, "append", lambda **event: state.audit.append(event))

    def record_unless_certified(svc, subject_key, year, method, **fields):
        state.certified.append({"subject_key": subject_key, "year": year, "method": method, **fields})
        if state.certify_answer is None:
            return None
        return SimpleNamespace(certification_id=f"{state.certify_answer}_{len(state.certified)}")

    monkeypatch.setattr(admin, "record_unless_certified", record_unless_certified)
    state.operator = StaffPrincipal("op", "王经办", labels.ROLE_OPERATOR, (REGION,))
    state.second = StaffPrincipal("op2", "李经办", labels.ROLE_OPERATOR, (REGION,))
    state.elsewhere = StaffPrincipal("far", "远经办", labels.ROLE_OPERATOR, (OTHER_REGION,))
    state.province = StaffPrincipal("pa", "省管理员", labels.ROLE_PROVINCE_ADMIN)
    return state


def a_person(world, region=REGION, name="王秀英"):
    """A pensioner in the registry stand-in, their registry photo in the bucket: (ID number, record)."""
    id_number = unique_id_number(1940)
    key = world.svc.vault.lookup("id", id_number)
    person = SimpleNamespace(id_key=key, id_sealed=world.svc.vault.seal(id_number), name=name, region=region,
                             unit="新城区社保所", photo_key=f"photos/{key}.jpg", staff_photo_key=None)
    world.people[key] = person
    world.s3.objects[person.photo_key] = b"\xff\xd8registry-photo"
    return id_number, person


def an_account(world, id_number, name="王秀英"):
    return SimpleNamespace(user_id="u_" + world.svc.vault.lookup("user", id_number)[:12],
                           id_key=world.svc.vault.lookup("id", id_number), name=name)


def failed_session(world, account, code="FACE_MISMATCH", *, evidence=True) -> str:
    """A certify session of the account's that failed with ``code`` this year, its evidence stored."""
    session_id = f"ses_{len(world.sessions) + 1}"
    world.sessions[session_id] = SimpleNamespace(
        purpose="certify", user_id=account.user_id, subject_key=account.id_key, used_at=NOW, outcome_status=422,
        outcome_body=json.dumps({"error": {"code": code}}))
    if evidence:
        world.s3.objects[f"evidence/certify/2026/{session_id}.json"] = json.dumps(
            {"steps": [{"challenge": "blink", "frames": ["iVBORa", "iVBORb", "iVBORc", "iVBORd"]}]}).encode()
    return session_id


def appeal(world, account, session_id, subject=SELF) -> dict:
    return reviews.request(world.svc, account, subject=subject, session_id=session_id)


def appealed(world, region=REGION) -> ReviewCase:
    """A pending app review of a new person of ``region``."""
    id_number, _ = a_person(world, region)
    account = an_account(world, id_number)
    review = world.store.get(appeal(world, account, failed_session(world, account))["review_id"])
    assert review is not None
    return review


def manual(world, kind="home_visit", *, visited_by="op", requested_by="staff:op") -> ReviewCase:
    """A pending review of a manual certification's visit photo of a new person."""
    _, person = a_person(world)
    return reviews.open_manual(world.svc, kind=kind, person=person, requested_by=requested_by,
                               evidence_key="evidence/home_visit/hv_1.json", similarity=0.3125, reference="registry_photo",
                               detail="FACE_MISMATCH:0.3125", visited_on="2026-02-28", address=ADDRESS,
                               visited_by=visited_by, case_id="hv_1" if kind == "home_visit" else None)


def raised(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def stored(world, review_id) -> ReviewCase:
    review = world.store.get(review_id)
    assert review is not None
    return review


# An appeal from the app (logic/reviews.request)

def test_an_appeal_of_a_face_mismatch_opens_a_review_with_the_scores_and_its_audit(world):
    id_number, person = a_person(world)
    account = an_account(world, id_number)
    session_id = failed_session(world, account)
    answer = appeal(world, account, session_id)
    review = stored(world, answer["review_id"])
    assert answer == {"review_id": review.review_id, "due_by": DUE} and review.review_id.startswith("rv_")
    assert review == ReviewCase(
        review.review_id, kind="app", subject_key=person.id_key, subject_id_sealed=person.id_sealed, name="王秀英",
        region=REGION, unit="新城区社保所", year=2026, requested_by=account.user_id, created_at=NOW, due_by=DUE,
        state=PENDING, session_id=session_id, evidence_key=f"evidence/certify/2026/{session_id}.json",
        failure_code="FACE_MISMATCH", failure_detail="FACE_MISMATCH:0.3125", similarity=0.3125, review_band=True,
        reference=REGISTRY_PHOTO)
    assert world.store.audit == [{
        "now": NOW, "actor": f"app:{account.user_id}", "actor_name": app_labels.BY_SELF,
        "action": "review_request", "target": review.review_id, "region": REGION,
        "after": {app_labels.FIELD_REASON: "FACE_MISMATCH", app_labels.AUDIT_REVIEW_DUE: DUE}}]


def test_a_second_appeal_while_the_first_is_pending_is_refused(world):
    id_number, _ = a_person(world)
    account = an_account(world, id_number)
    first = appeal(world, account, failed_session(world, account))["review_id"]
    error = raised(lambda: appeal(world, account, failed_session(world, account)))
    assert error.code is ErrorCode.REVIEW_PENDING
    assert [r.review_id for r in world.store.with_state(PENDING)] == [first] and len(world.store.audit) == 1


def test_once_the_review_is_decided_a_new_appeal_is_taken(world):
    id_number, _ = a_person(world)
    account = an_account(world, id_number)
    first = appeal(world, account, failed_session(world, account))["review_id"]
    admin.decide(world.svc, world.operator, first, passed=False, reason="不是本人")
    assert appeal(world, account, failed_session(world, account))["review_id"] != first


def test_another_failure_is_appealed_only_once_the_years_attempts_are_used_up(world):
    id_number, person = a_person(world)
    account = an_account(world, id_number)
    session_id = failed_session(world, account, "LIVENESS_FAILED", evidence=False)
    error = raised(lambda: appeal(world, account, session_id))
    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, errors.NOT_YET_APPEALABLE)
    assert world.store.with_state(PENDING) == []
    world.failures[person.id_key] = world.svc.settings.yearly_failed_attempts_limit
    review = stored(world, appeal(world, account, session_id)["review_id"])
    assert (review.failure_code, review.evidence_key, review.similarity, review.reference) == (
        "LIVENESS_FAILED", None, None, None)


def test_an_appeal_of_a_year_already_certified_is_not_needed(world):
    id_number, _ = a_person(world)
    account = an_account(world, id_number)
    world.eligibility = ALREADY_CERTIFIED
    error = raised(lambda: appeal(world, account, failed_session(world, account)))
    assert (error.code, error.message) == (ErrorCode.NOT_ELIGIBLE, errors.REVIEW_NOT_NEEDED)
    assert world.store.with_state(PENDING) == []


def test_an_appeal_of_someone_elses_or_a_passed_or_no_session_is_not_found(world):
    id_number, _ = a_person(world)
    account, stranger = an_account(world, id_number), an_account(world, a_person(world)[0])
    session_id = failed_session(world, account)
    passed = failed_session(world, account)
    world.sessions[passed].outcome_status = 200
    for who, session in ((stranger, session_id), (account, passed), (account, "ses_none"), (account, "")):
        error = raised(lambda: appeal(world, who, session))  # noqa: B023 - called here
        assert (error.code, error.message) == (ErrorCode.NOT_FOUND, errors.NO_SUCH_SESSION)
    assert world.store.with_state(PENDING) == []


def test_an_appeal_after_the_session_item_expired_is_proved_by_its_evidence(world):
    id_number, _ = a_person(world)
    account = an_account(world, id_number)
    session_id = failed_session(world, account)
    del world.sessions[session_id]  # DynamoDB's TTL deleted it; the evidence object names who it was
    world.s3.objects[f"evidence/certify/2026/{session_id}.json"] = json.dumps(
        {"session_id": session_id, "user_id": account.user_id, "subject_key": account.id_key}).encode()
    review = stored(world, appeal(world, account, session_id)["review_id"])
    assert (review.failure_code, review.similarity, review.review_band) == ("FACE_MISMATCH", 0.3125, True)
    world.vision.refusal = None  # decided again it passes: not a failed session
    other = failed_session(world, account)
    del world.sessions[other]
    world.s3.objects[f"evidence/certify/2026/{other}.json"] = json.dumps(
        {"session_id": other, "user_id": account.user_id, "subject_key": account.id_key}).encode()
    admin.decide(world.svc, world.operator, review.review_id, passed=False, reason="不是本人")
    assert raised(lambda: appeal(world, account, other)).message == errors.NO_SUCH_SESSION


# A manual certification's photo below the threshold (logic/reviews.open_manual)

def test_a_manual_visits_photo_opens_a_review_with_the_visits_facts_and_its_audit(world):
    _, person = a_person(world)
    event = {"actor": "op", "action": "review_open"}
    review = reviews.open_manual(world.svc, kind="home_visit", person=person, requested_by="staff:op",
                                 evidence_key="evidence/home_visit/hv_1.json", similarity=0.3125,
                                 reference="registry_photo", detail="FACE_MISMATCH:0.3125", visited_on="2026-02-28",
                                 address=ADDRESS, visited_by="op", case_id="hv_1", audit=event)
    assert stored(world, review.review_id) == review
    assert (review.kind, review.state, review.year, review.due_by, review.case_id, review.failure_code) == (
        "home_visit", PENDING, 2026, DUE, "hv_1", "FACE_MISMATCH")
    assert world.svc.vault.open(review.visit_address_sealed) == ADDRESS
    assert world.store.audit == [{"now": NOW, **event}]
    error = raised(lambda: reviews.open_manual(
        world.svc, kind="overseas", person=person, requested_by="staff:op", evidence_key="e", similarity=0.2,
        reference=None, detail=None, visited_on="2026-03-01", address="领事馆", visited_by="op", audit=event))
    assert (error.code, error.message) == (ErrorCode.REVIEW_PENDING, errors.REVIEW_ALREADY_OPEN)
    assert world.store.with_state(PENDING) == [review] and len(world.store.audit) == 1


# /query/status's review (logic/reviews.status_field)

def test_the_status_shows_the_subjects_latest_review_of_the_year(world):
    review = appealed(world)
    assert reviews.status_field(world.svc, review.subject_key, 2026) == {
        "review_id": review.review_id, "state": PENDING, "due_by": DUE, "outcome": None}
    assert reviews.status_field(world.svc, review.subject_key, 2027) is None
    assert reviews.status_field(world.svc, "nobody", 2026) is None
    admin.decide(world.svc, world.operator, review.review_id, passed=False, reason="不是本人")
    assert reviews.status_field(world.svc, review.subject_key, 2026)["outcome"] == "refused"


# The admin's queue and case (admin/reviews.queue, detail)

def test_the_queue_is_the_principals_regions_oldest_first_overdue_marked(world):
    first = appealed(world)
    world.svc.clock.advance(minutes=1)
    second = appealed(world)
    theirs = appealed(world, OTHER_REGION)
    rows = admin.queue(world.svc, world.operator)
    assert [row["review_id"] for row in rows] == [first.review_id, second.review_id]
    id_number = world.svc.vault.open(first.subject_id_sealed)
    assert rows[0] == {
        "review_id": first.review_id, "kind": "app", "kind_label": labels.REVIEW_KINDS["app"], "name": "王秀英",
        "id_masked": normalize.mask_id_number(id_number), "region": REGION, "unit": "新城区社保所",
        "state": PENDING, "state_label": labels.REVIEW_STATES[PENDING],
        "failure": labels.FAILURE_REASONS["FACE_MISMATCH"], "similarity": "0.31", "created": "2026-03-01 17:00",
        "due_by": "2026-03-06 17:00", "overdue": False, "visited_on": "", "visited_by": "", "outcome": ""}
    assert {row["review_id"] for row in admin.queue(world.svc, world.province)} == {
        first.review_id, second.review_id, theirs.review_id}
    assert admin.overdue_count(world.svc, world.operator) == 0
    world.svc.clock.advance(days=6)
    assert admin.overdue_count(world.svc, world.operator) == 2
    admin.decide(world.svc, world.operator, first.review_id, passed=False, reason="不是本人")
    assert [row["review_id"] for row in admin.queue(world.svc, world.operator, DECIDED)] == [first.review_id]
    assert admin.overdue_count(world.svc, world.operator) == 1  # a decided review is not overdue
    assert raised(lambda: admin.queue(world.svc, None)).code is ErrorCode.UNAUTHENTICATED


def test_a_case_shows_its_frames_beside_the_reference_and_the_view_is_audited(world):
    review = appealed(world)
    shown = admin.detail(world.svc, world.operator, review.review_id)
    assert [image["label"] for image in shown["evidence_images"]] == [
        labels.REVIEW_FRAME.format(challenge="blink", number=n) for n in (1, 3, 4)]
    assert shown["evidence_images"][0]["src"] == "data:image/png;base64,iVBORa"
    assert shown["reference_image"] == "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8registry-photo").decode()
    assert (shown["reference_label"], shown["failure_detail"], shown["review_band"], shown["visit_address"]) == (
        labels.REVIEW_REFERENCES[REGISTRY_PHOTO], "FACE_MISMATCH:0.3125", True, "")
    assert [(e["action"], e["actor"], e["region"]) for e in world.audit] == [("review_view", "op", REGION)]


def test_a_manual_case_shows_the_visit_photo_and_address(world):
    review = manual(world)
    world.s3.objects["evidence/home_visit/hv_1.json"] = json.dumps(
        {"photo": "/9j/photo", "visited_on": "2026-02-28"}).encode()
    shown = admin.detail(world.svc, world.province, review.review_id)
    assert shown["evidence_images"] == [{"label": labels.REVIEW_VISIT_PHOTO.format(visited_on="2026-02-28"),
                                         "src": "data:image/jpeg;base64,/9j/photo"}]
    assert (shown["visit_address"], shown["visited_by"], shown["visited_on"]) == (ADDRESS, "op", "2026-02-28")


def test_another_regions_or_an_unknown_case_is_refused_before_anything_is_shown(world):
    review = appealed(world)
    error = raised(lambda: admin.detail(world.svc, world.elsewhere, review.review_id))
    assert (error.code, error.message) == (ErrorCode.FORBIDDEN, labels.OUT_OF_SCOPE)
    for review_id in ("rv_nobody", "", "r" * 65):
        error = raised(lambda: admin.detail(world.svc, world.operator, review_id))  # noqa: B023 - called here
        assert (error.code, error.message) == (ErrorCode.NOT_FOUND, labels.REVIEW_NOT_FOUND)
    assert world.audit == []


# Deciding (admin/reviews.decide, decide_confirmed)

def test_a_refusal_is_decided_audited_and_proposes_a_home_visit(world):
    review = appealed(world)
    world.svc.clock.advance(hours=1)
    answer = admin.decide(world.svc, world.operator, review.review_id, passed=False, reason=" 不是本人 ")
    decided = stored(world, review.review_id)
    assert answer == {"outcome": "refused", "case_id": decided.home_visit_case_id}
    assert (decided.state, decided.outcome, decided.decided_by, decided.decided_by_name, decided.decided_at,
            decided.decision_reason) == (DECIDED, "refused", "op", "王经办", world.svc.clock.now(), "不是本人")
    decision = world.store.audit[-1]
    assert (decision["now"], decision["action"], decision["actor"], decision["before"], decision["after"],
            decision["reason"]) == (
        world.svc.clock.now(), "review_decide", "op", {labels.AUDIT_STATE: labels.REVIEW_STATES[PENDING]},
        {labels.AUDIT_RESULT: labels.REVIEW_OUTCOMES["refused"]}, "不是本人")
    case = world.svc.home_visits.get(answer["case_id"])
    assert case is not None and (case.source, case.status, case.subject_key, case.requested_by, case.reason) == (
        "review", "open", review.subject_key, "staff:op",
        labels.REVIEW_REFUSED_VISIT_REASON.format(review_id=review.review_id))
    assert [e["action"] for e in world.audit] == ["hv_create"]
    assert world.certified == []


def test_a_decision_needs_a_reason_and_a_pending_review(world):
    review = appealed(world)
    for reason in ("", " ", "意" * 201):
        error = raised(lambda: admin.decide(world.svc, world.operator, review.review_id, passed=False,
                                            reason=reason))  # noqa: B023 - called here
        assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.REVIEW_REASON_REQUIRED)
    admin.decide(world.svc, world.operator, review.review_id, passed=False, reason="不是本人")
    error = raised(lambda: admin.decide(world.svc, world.second, review.review_id, passed=False, reason="再次"))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.REVIEW_CHANGED)
    assert stored(world, review.review_id).decided_by == "op" and len(world.store.audit) == 2  # opened, decided


def test_a_decision_taken_meanwhile_by_someone_else_is_refused_and_does_nothing(world):
    review = appealed(world)
    real_decide = world.store.decide

    def decide_after_another(review_id, **kwargs):  # another reviewer's decision lands between the read and the write
        real_decide(review_id, outcome="refused", by="op2", by_name="李经办", reason="先到", now=NOW)
        return real_decide(review_id, **kwargs)

    world.store.decide = decide_after_another
    error = raised(lambda: admin.decide(world.svc, world.operator, review.review_id, passed=False, reason="不是本人"))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.REVIEW_CHANGED)
    assert stored(world, review.review_id).decided_by == "op2"
    assert world.svc.home_visits.with_status("open") == [] and world.audit == []


def test_concurrent_refusals_decide_once_and_open_one_visit(world):
    review = appealed(world)
    deciders = [StaffPrincipal(f"op{n}", f"经办{n}", labels.ROLE_OPERATOR, (REGION,)) for n in range(PARALLEL)]

    def refuse(principal) -> str | None:
        try:
            return admin.decide(world.svc, principal, review.review_id, passed=False, reason="不是本人")["case_id"]
        except AppError as error:
            assert error.message == labels.REVIEW_CHANGED
            return None

    with ThreadPoolExecutor(PARALLEL) as pool:
        cases = [case for case in pool.map(refuse, deciders) if case is not None]
    assert len(cases) == 1
    assert [c.case_id for c in world.svc.home_visits.with_status("open")] == cases
    assert [e["action"] for e in world.store.audit] == ["review_request", "review_decide"]


def test_an_appeals_pass_waits_for_a_second_staff_member(world):
    review = appealed(world)
    answer = admin.decide(world.svc, world.operator, review.review_id, passed=True, reason="确为本人")
    [item] = world.svc.confirmations.with_state(CONFIRMATION_PENDING, REGION)
    assert answer == {"outcome": "confirming", "confirmation_id": item.confirmation_id}
    assert (item.kind, item.requested_by, json.loads(item.detail)) == (
        REVIEW, "op", {"review_id": review.review_id, "reason": "确为本人"})
    assert stored(world, review.review_id) == review  # still pending, not certified
    assert world.certified == []
    error = raised(lambda: admin.decide(world.svc, world.second, review.review_id, passed=True, reason="同意"))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.REVIEW_PROPOSED)


def test_a_confirmed_pass_is_decided_with_both_names_and_certifies(world):
    review = appealed(world)
    admin.decide(world.svc, world.operator, review.review_id, passed=True, reason="确为本人")
    [item] = world.svc.confirmations.with_state(CONFIRMATION_PENDING, REGION)
    answer = admin.decide_confirmed(world.svc, world.second, item, json.loads(item.detail))
    decided = stored(world, review.review_id)
    assert answer == {"outcome": "passed", "certification_id": "cert_1"} == {
        "outcome": decided.outcome, "certification_id": decided.certification_id}
    assert (decided.state, decided.decided_by, decided.decision_reason) == (
        DECIDED, "op2", labels.REVIEW_CONFIRMED_REASON.format(reason="确为本人", proposer="王经办", confirmer="李经办"))
    [asked] = world.certified
    assert asked == {
        "subject_key": review.subject_key, "year": 2026, "method": "agency",
        "operator": labels.REVIEW_OPERATOR.format(operator=labels.REVIEW_CONFIRMED_OPERATOR.format(
            proposer="王经办", confirmer="李经办")),
        "region": REGION, "unit": "新城区社保所", "operator_user_id": "staff:op2", "similarity": 0.3125,
        "evidence_key": review.evidence_key, "reference": REGISTRY_PHOTO}
    error = raised(lambda: admin.decide_confirmed(world.svc, world.second, item, json.loads(item.detail)))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.REVIEW_CHANGED)
    error = raised(lambda: admin.decide_confirmed(world.svc, world.second, item, {"review_id": "rv_gone"}))
    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, labels.REVIEW_NOT_FOUND)


def test_a_pass_of_a_year_certified_meanwhile_is_decided_without_a_certification(world):
    review = manual(world)
    world.certify_answer = None
    answer = admin.decide(world.svc, world.province, review.review_id, passed=True, reason="确为本人")
    assert answer == {"outcome": "passed", "certification_id": None, "already_certified": True}
    decided = stored(world, review.review_id)
    assert (decided.state, decided.outcome, decided.certification_id) == (DECIDED, "passed", None)


def test_a_manual_review_is_decided_by_a_provincial_admin_who_did_not_visit(world):
    review = manual(world, visited_by="pa_visitor", requested_by="staff:pa_recorder")
    error = raised(lambda: admin.decide(world.svc, world.operator, review.review_id, passed=True, reason="本人"))
    assert (error.code, error.message) == (ErrorCode.FORBIDDEN, labels.ADMIN_ONLY)
    for username in ("pa_visitor", "pa_recorder"):
        took_part = StaffPrincipal(username, "省管理员", labels.ROLE_PROVINCE_ADMIN)
        error = raised(lambda: admin.decide(world.svc, took_part, review.review_id, passed=True,  # noqa: B023
                                            reason="本人"))
        assert (error.code, error.message) == (ErrorCode.FORBIDDEN, labels.REVIEW_OWN_VISIT)
    assert stored(world, review.review_id).state == PENDING
    answer = admin.decide(world.svc, world.province, review.review_id, passed=True, reason="照片年代久远，确为本人")
    assert answer == {"outcome": "passed", "certification_id": "cert_1"}  # no second person: the reviewer is one
    [asked] = world.certified
    assert (asked["method"], asked["operator"], asked["operator_user_id"]) == (
        "home_visit", labels.REVIEW_OPERATOR.format(operator="省管理员"), "staff:pa")
    assert stored(world, review.review_id).certification_id == "cert_1"
