"""The home-visit use cases without AWS: a request from the app (pensioncert/logic/home_visits.py)
and the agency's handling (pensioncert/admin/home_visits.py), the cases in the in-memory repository
(held to the same contract as DynamoDB's by tests/integration/test_home_visit_repository.py), the
staff accounts in theirs (repositories/staff.py). The aggregates that have no repository yet (the
registry, the audit) and the steps of a passed visit that have their own tests (eligibility, the
visit's evidence, the review and the confirmation it opens) are stand-ins set on their modules for
each test."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from support import unique_id_number

from pensioncert import errors, normalize
from pensioncert.admin import home_visits, labels
from pensioncert.admin import reviews as admin_reviews
from pensioncert.admin.manual_evidence import Evidence, VisitFacts
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.clock import FakeClock
from pensioncert.dal import audit as audit_dal
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import home_visits as requests
from pensioncert.logic.eligibility import CertifyDecision
from pensioncert.logic.subjects import SELF
from pensioncert.pii import PiiVault
from pensioncert.repositories.contacts import Contact, InMemoryContacts
from pensioncert.repositories.home_visits import HomeVisitCase, InMemoryHomeVisits
from pensioncert.repositories.reviews import InMemoryReviews, ReviewCase, new_review_id
from pensioncert.repositories.staff import InMemoryStaff, StaffAccount
from pensioncert.rules.certification import ALREADY_CERTIFIED, RegistryFacts
from pensioncert.services import Services
from pensioncert.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)  # 17:00 in Beijing
REGION, OTHER_REGION = "西安市", "宝鸡市"
ADDRESS, PHONE = "西安市新城区测试路1号", "13800000001"


@pytest.fixture
def world(monkeypatch):
    """A Services on the in-memory cases, contacts and staff accounts, and the stand-ins: ``people``
    the registry by ID key, ``audit`` what was appended."""
    settings = Settings(pii_key="k" * 32, token_secret="t" * 64)
    svc = Services(settings=settings, vault=PiiVault("k" * 32), clock=FakeClock(NOW), contacts=InMemoryContacts(),
                   home_visits=InMemoryHomeVisits(), reviews=InMemoryReviews(), staff=InMemoryStaff())
    state = SimpleNamespace(svc=svc, people={}, audit=[])
    monkeypatch.setattr(requests.registry, "get_person", lambda id_key, today=None: state.people.get(id_key))
    monkeypatch.setattr(audit_dal, "append", lambda **event: state.audit.append(event))
    state.operator = StaffPrincipal("op", "王经办", labels.ROLE_OPERATOR, (REGION,))
    a_staff_member(svc, "op", "王经办", REGION)
    return state


def a_staff_member(svc, username, display_name, region) -> None:
    svc.staff.create(StaffAccount(username, display_name, labels.ROLE_OPERATOR, (region,), created_at=NOW),
                     "unused-hash")


def a_person(world, region=REGION, name="王秀英"):
    """A pensioner in the registry stand-in: their ID number and record."""
    id_number = unique_id_number(1940)
    key = world.svc.vault.lookup("id", id_number)
    person = SimpleNamespace(id_key=key, id_sealed=world.svc.vault.seal(id_number), name=name, region=region,
                             unit="新城区社保所")
    world.people[key] = person
    return id_number, person


def an_account(world, id_number, name="王秀英"):
    return SimpleNamespace(user_id="u_" + world.svc.vault.lookup("user", id_number)[:12],
                           id_key=world.svc.vault.lookup("id", id_number), name=name)


def ask(world, account, subject=SELF, *, reason="行动不便", address=ADDRESS, phone=PHONE) -> dict:
    return requests.request_home_visit(world.svc, account, subject=subject, reason=reason, address=address,
                                       contact_phone=phone)


def report(world, id_number, principal=None, *, reason="长期卧床", address=ADDRESS, phone=PHONE) -> str:
    return home_visits.create_from_unit_report(world.svc, principal or world.operator, id_number=id_number,
                                               reason=reason, address=address, contact_phone=phone)


def raised(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def stored(world, case_id) -> HomeVisitCase:
    case = world.svc.home_visits.get(case_id)
    assert case is not None
    return case


# A request from the app

def test_a_request_for_oneself_puts_a_case_on_the_queue(world):
    id_number, person = a_person(world)
    answer = ask(world, an_account(world, id_number), reason=" 行动不便 ", phone="138-0000-0001")
    case = stored(world, answer["case_id"])
    assert answer == {"case_id": case.case_id} and case.case_id.startswith("hv_")
    assert (case.subject_key, case.subject_id_sealed, case.name, case.region, case.unit) == (
        person.id_key, person.id_sealed, "王秀英", REGION, "新城区社保所")
    assert (case.status, case.source, case.reason, case.created_at) == ("open", "app", "行动不便", NOW)
    assert case.requested_by == an_account(world, id_number).user_id
    assert world.svc.vault.open(case.address_sealed) == ADDRESS
    assert world.svc.vault.open(case.contact_phone_sealed) == PHONE
    assert world.svc.home_visits.with_status("open", REGION) == [case]


def test_a_second_request_while_the_first_is_on_the_queue_is_refused(world):
    id_number, _ = a_person(world)
    account = an_account(world, id_number)
    first = ask(world, account)["case_id"]
    assert raised(lambda: ask(world, account)).code is ErrorCode.HOME_VISIT_PENDING
    assert [c.case_id for c in world.svc.home_visits.with_status("open", REGION)] == [first]


def test_once_the_case_is_done_a_new_request_is_taken(world):
    id_number, _ = a_person(world)
    account = an_account(world, id_number)
    first = ask(world, account)["case_id"]
    world.svc.home_visits.move(first, from_statuses=("open",), to_status="done", now=NOW, outcome="passed")
    assert ask(world, account)["case_id"] != first


def test_a_request_for_a_relative_needs_their_consent(world):
    _, person = a_person(world)
    owner = an_account(world, unique_id_number(1965), "周国庆")
    contact = Contact(user_id=owner.user_id, contact_id="c_mother", id_key=person.id_key, id_sealed=person.id_sealed,
                      name="王秀英", relation="母亲", created_at=NOW)
    world.svc.contacts.add(contact, max_contacts=5)
    assert raised(lambda: ask(world, owner, "c_mother")).code is ErrorCode.CONSENT_REQUIRED
    world.svc.contacts.record_consent(owner.user_id, "c_mother", id_key=person.id_key, source="relative", at=NOW)
    case = stored(world, ask(world, owner, "c_mother")["case_id"])
    assert (case.subject_key, case.requested_by) == (person.id_key, owner.user_id)


def test_a_request_for_someone_not_in_the_registry_is_not_found(world):
    account = an_account(world, unique_id_number(1940))
    assert raised(lambda: ask(world, account)).code is ErrorCode.NOT_FOUND
    assert world.svc.home_visits.with_status("open") == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reason", " ", errors.HOME_VISIT_REASON_NEEDED), ("address", "址" * 201, errors.HOME_VISIT_ADDRESS_NEEDED)])
def test_a_request_without_its_reason_or_address_is_refused(world, field, value, message):
    id_number, _ = a_person(world)
    error = raised(lambda: ask(world, an_account(world, id_number), **{field: value}))
    assert (error.code, error.extra) == (ErrorCode.BAD_REQUEST, {"field": field}) and message in error.message
    assert world.svc.home_visits.with_status("open") == []


# The agency's queue

def test_a_units_report_is_a_case_audited_with_its_reason(world):
    id_number, _ = a_person(world)
    case_id = report(world, id_number)
    case = stored(world, case_id)
    assert (case.source, case.reason, case.requested_by, case.status) == ("unit_report", "长期卧床", "staff:op", "open")
    assert [(e["action"], e["target"], e["region"], e["after"]) for e in world.audit] == [
        ("hv_create", f"{case_id} 王秀英 {normalize.mask_id_number(id_number)}", REGION,
         {labels.FIELD_SOURCE: labels.CASE_FROM_UNIT_REPORT, labels.FIELD_REASON: "长期卧床"})]


def test_a_units_report_for_another_region_or_no_one_is_not_found(world):
    elsewhere, _ = a_person(world, OTHER_REGION)
    for id_number in (elsewhere, unique_id_number(1940)):
        error = raised(lambda: report(world, id_number))  # noqa: B023 - called here
        assert (error.code, error.message) == (ErrorCode.NOT_FOUND, labels.PERSON_NOT_FOUND)
    assert (world.svc.home_visits.with_status("open"), world.audit) == ([], [])


def test_a_units_report_does_not_wait_for_the_persons_own_request(world):
    id_number, _ = a_person(world)
    ask(world, an_account(world, id_number))
    report(world, id_number)
    assert len(world.svc.home_visits.with_status("open", REGION)) == 2


def test_a_units_list_is_imported_row_by_row(world):
    first, _ = a_person(world)
    second, _ = a_person(world)
    text = (f"id_number,reason,address,contact_phone\n{first},长期卧床,{ADDRESS},{PHONE}\n"
            f"{second},,{ADDRESS},{PHONE}\n")
    result = home_visits.import_unit_reports(world.svc, world.operator, text)
    assert (result.rows, result.written, [e.line for e in result.errors]) == (2, 1, [3])
    assert [c.reason for c in world.svc.home_visits.with_status("open", REGION)] == ["长期卧床"]


def test_the_queue_is_the_principals_regions_oldest_first(world):
    mine = [a_person(world)[0] for _ in range(2)]
    theirs, _ = a_person(world, OTHER_REGION)
    province = StaffPrincipal("pa", "省管理员", labels.ROLE_PROVINCE_ADMIN)
    first = report(world, mine[0])
    world.svc.clock.advance(minutes=1)
    second = report(world, mine[1])
    other = report(world, theirs, province)
    home_visits.assign(world.svc, world.operator, second, "op")
    rows = home_visits.queue(world.svc, world.operator)
    assert [row["case_id"] for row in rows] == [first, second]
    assert rows[0] == {
        "case_id": first, "name": "王秀英", "id_masked": normalize.mask_id_number(mine[0]), "region": REGION,
        "unit": "新城区社保所", "source": labels.CASE_SOURCE["unit_report"], "reason": "长期卧床",
        "address": ADDRESS, "phone": normalize.mask_phone(PHONE), "status": "open",
        "status_label": labels.CASE_STATUS["open"], "assigned_to": "", "scheduled_for": "", "last_outcome": "",
        "created": "2026-03-01 17:00"}
    assert rows[1]["assigned_to"] == "op"
    assert {row["case_id"] for row in home_visits.queue(world.svc, province)} == {first, second, other}
    assert raised(lambda: home_visits.queue(world.svc, None)).code is ErrorCode.UNAUTHENTICATED


# Assigning, scheduling

def test_a_case_is_assigned_to_staff_of_its_region_then_scheduled(world):
    case_id = report(world, a_person(world)[0])
    world.svc.clock.advance(hours=1)
    home_visits.assign(world.svc, world.operator, case_id, "op")
    home_visits.schedule(world.svc, world.operator, case_id, "2026-03-05")
    case = stored(world, case_id)
    assert (case.status, case.assigned_to, case.scheduled_for, case.updated_at) == (
        "scheduled", "op", "2026-03-05", world.svc.clock.now())
    assert [(e["action"], e["before"], e["after"]) for e in world.audit[1:]] == [
        ("hv_assign", {labels.AUDIT_ASSIGNEE: ""}, {labels.AUDIT_ASSIGNEE: "王经办"}),
        ("hv_schedule", {labels.AUDIT_SCHEDULED_FOR: ""}, {labels.AUDIT_SCHEDULED_FOR: "2026-03-05"})]


def test_reassigning_clears_the_appointment(world):
    case_id = report(world, a_person(world)[0])
    home_visits.assign(world.svc, world.operator, case_id, "op")
    home_visits.schedule(world.svc, world.operator, case_id, "2026-03-05")
    a_staff_member(world.svc, "op2", "李经办", REGION)
    home_visits.assign(world.svc, world.operator, case_id, "op2")
    case = stored(world, case_id)
    assert (case.status, case.assigned_to, case.scheduled_for) == ("assigned", "op2", None)
    # The audit says who had it before and who has it now.
    assert (world.audit[-1]["before"], world.audit[-1]["after"]) == (
        {labels.AUDIT_ASSIGNEE: "王经办"}, {labels.AUDIT_ASSIGNEE: "李经办"})


def test_a_new_appointment_is_audited_with_the_one_it_replaced(world):
    case_id = report(world, a_person(world)[0])
    home_visits.assign(world.svc, world.operator, case_id, "op")
    home_visits.schedule(world.svc, world.operator, case_id, "2026-03-05")
    home_visits.schedule(world.svc, world.operator, case_id, "2026-03-09")
    assert (world.audit[-1]["before"], world.audit[-1]["after"]) == (
        {labels.AUDIT_SCHEDULED_FOR: "2026-03-05"}, {labels.AUDIT_SCHEDULED_FOR: "2026-03-09"})


def test_a_visitor_of_another_region_or_no_one_is_refused(world):
    case_id = report(world, a_person(world)[0])
    a_staff_member(world.svc, "far", "远", OTHER_REGION)
    for username in ("far", "nobody", ""):
        error = raised(lambda: home_visits.assign(world.svc, world.operator, case_id, username))  # noqa: B023
        assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.CASE_VISITOR_NEEDED)
    assert stored(world, case_id).status == "open"


def test_scheduling_needs_an_assigned_case_and_a_day_not_past(world):
    case_id = report(world, a_person(world)[0])
    assert raised(lambda: home_visits.schedule(world.svc, world.operator, case_id, "2026-03-05")).message == (
        labels.CASE_CHANGED)  # not assigned yet
    home_visits.assign(world.svc, world.operator, case_id, "op")
    assert raised(lambda: home_visits.schedule(world.svc, world.operator, case_id, "2026-02-28")).message == (
        labels.CASE_DATE_PAST)
    assert raised(lambda: home_visits.schedule(world.svc, world.operator, case_id, "3月5日")).message == (
        labels.CASE_DATE_NEEDED)
    home_visits.schedule(world.svc, world.operator, case_id, "2026-03-01")  # today, in Beijing
    assert stored(world, case_id).scheduled_for == "2026-03-01"


def test_another_regions_or_an_unknown_case_is_refused(world):
    other = report(world, a_person(world, OTHER_REGION)[0], StaffPrincipal("pa", "省", labels.ROLE_PROVINCE_ADMIN))
    error = raised(lambda: home_visits.assign(world.svc, world.operator, other, "op"))
    assert (error.code, error.message) == (ErrorCode.FORBIDDEN, labels.OUT_OF_SCOPE)
    for case_id in ("hv_nobody", ""):
        error = raised(lambda: home_visits.assign(world.svc, world.operator, case_id, "op"))  # noqa: B023
        assert (error.code, error.message) == (ErrorCode.NOT_FOUND, labels.CASE_NOT_FOUND)
    assert stored(world, other).status == "open"


# The outcome of a visit

def assigned(world, region=REGION) -> str:
    case_id = report(world, a_person(world, region)[0])
    home_visits.assign(world.svc, world.operator, case_id, "op")
    return case_id


@pytest.fixture
def passing(world, monkeypatch):
    """A passed visit's steps: the decision (``decision``), the evidence check (``matched``), and
    what they opened: ``reviews`` and ``confirmations`` (their calls' keyword arguments)."""
    steps = SimpleNamespace(decision=None, matched=True, reviews=[], confirmations=[])

    def may_certify(svc, subject_key, path):
        return steps.decision or CertifyDecision(None, world.people[subject_key], RegistryFacts("王秀英", "recipient"))

    def check(svc, person, facts, *, kind, ref_id):
        return Evidence(f"evidence/{kind}/{ref_id}.json", 0.91 if steps.matched else 0.31, steps.matched,
                        "registry", "detail", facts.visited_on, facts.address, facts.visited_by, "王经办")

    def open_manual(svc, **kwargs):
        steps.reviews.append(kwargs)
        return SimpleNamespace(review_id="rv_1")

    def request(svc, **kwargs):
        steps.confirmations.append(kwargs)
        return SimpleNamespace(confirmation_id="cf_1")

    monkeypatch.setattr(home_visits.eligibility, "may_certify", may_certify)
    monkeypatch.setattr(home_visits.manual_evidence, "check", check)
    monkeypatch.setattr(home_visits.reviews, "open_manual", open_manual)
    monkeypatch.setattr(home_visits.confirmations, "request", request)
    return steps


def visit(address=ADDRESS) -> VisitFacts:
    return VisitFacts(b"photo", "2026-03-01", address, "op")


def test_a_failed_visit_keeps_the_case_on_the_queue_with_its_reason(world):
    case_id = assigned(world)
    home_visits.schedule(world.svc, world.operator, case_id, "2026-03-05")
    assert home_visits.record_outcome(world.svc, world.operator, case_id, passed=False,
                                      failure_reason="家中无人") == {"outcome": "failed"}
    case = stored(world, case_id)
    assert (case.status, case.outcome, case.failure_reason, case.scheduled_for) == ("assigned", "failed", "家中无人", None)
    [row] = home_visits.queue(world.svc, world.operator)
    assert row["last_outcome"] == labels.CASE_LAST_FAILED + "家中无人"
    assert world.audit[-1]["before"] == {labels.AUDIT_STATE: labels.CASE_STATUS["scheduled"]}
    assert world.audit[-1]["after"] == {labels.AUDIT_RESULT: labels.CASE_FAILED, labels.FIELD_REASON: "家中无人"}


def test_an_outcome_needs_an_assigned_case_and_a_failure_its_reason(world):
    case_id = report(world, a_person(world)[0])
    error = raised(lambda: home_visits.record_outcome(world.svc, world.operator, case_id, passed=False,
                                                      failure_reason="家中无人"))
    assert error.message == labels.CASE_ASSIGN_FIRST
    home_visits.assign(world.svc, world.operator, case_id, "op")
    assert labels.CASE_FAILURE_REASON_NEEDED in raised(lambda: home_visits.record_outcome(
        world.svc, world.operator, case_id, passed=False)).message
    assert stored(world, case_id).outcome is None


def test_a_matching_visit_closes_the_case_into_a_confirmation(world, passing):
    case_id = assigned(world)
    answer = home_visits.record_outcome(world.svc, world.operator, case_id, passed=True, visit=visit())
    assert answer == {"outcome": "confirming", "similarity": 0.91, "confirmation_id": "cf_1"}
    case = stored(world, case_id)
    assert (case.status, case.outcome, case.evidence_key, case.similarity, case.visited_on, case.visited_by) == (
        "done", "confirming", f"evidence/home_visit/{case_id}.json", 0.91, "2026-03-01", "op")
    assert world.svc.vault.open(case.visit_address_sealed) == ADDRESS
    [asked] = passing.confirmations
    assert (asked["kind"], asked["region"], asked["visited_by"], asked["detail"]["case_id"], asked["detail"]["year"]) == (
        "home_visit", REGION, "op", case_id, 2026)
    assert world.audit[-1]["after"][labels.AUDIT_RESULT] == labels.CASE_OUTCOME_CONFIRMING
    assert home_visits.queue(world.svc, world.operator) == []


def test_a_visit_photo_below_the_threshold_closes_the_case_into_a_review(world, passing):
    passing.matched = False
    case_id = assigned(world)
    answer = home_visits.record_outcome(world.svc, world.operator, case_id, passed=True, visit=visit())
    assert answer == {"outcome": "review", "review_id": "rv_1", "similarity": 0.31}
    case = stored(world, case_id)
    assert (case.status, case.outcome, case.review_id, case.similarity) == ("done", "review", "rv_1", 0.31)
    assert [r["case_id"] for r in passing.reviews] == [case_id] and passing.confirmations == []


def test_a_year_already_certified_closes_the_case_without_evidence(world, passing):
    case_id = assigned(world)
    passing.decision = CertifyDecision(ALREADY_CERTIFIED, SimpleNamespace(region=REGION), None)
    assert home_visits.record_outcome(world.svc, world.operator, case_id, passed=True) == {
        "outcome": "already_certified"}
    case = stored(world, case_id)
    assert (case.status, case.outcome, case.evidence_key) == ("done", "already_certified", None)


def test_a_person_no_longer_a_recipient_is_refused_and_the_case_stays(world, passing):
    case_id = assigned(world)
    passing.decision = CertifyDecision("NOT_ELIGIBLE", SimpleNamespace(region=REGION), RegistryFacts("王秀英", "suspended"))
    error = raised(lambda: home_visits.record_outcome(world.svc, world.operator, case_id, passed=True, visit=visit()))
    assert (error.code, error.message) == (ErrorCode.NOT_ELIGIBLE, labels.NOT_A_RECIPIENT.format(
        status=labels.PERSON_STATUS["suspended"]))
    assert stored(world, case_id).status == "assigned"


def test_an_outcome_recorded_meanwhile_by_someone_else_is_refused(world, passing):
    case_id = assigned(world)
    store = world.svc.home_visits
    real_move = store.move

    def move_after_another(case_id_, **kwargs):  # another operator's outcome lands between the read and the move
        real_move(case_id_, from_statuses=("assigned",), to_status="done", now=NOW, outcome="failed")
        return real_move(case_id_, **kwargs)

    store.move = move_after_another
    error = raised(lambda: home_visits.record_outcome(world.svc, world.operator, case_id, passed=False,
                                                      failure_reason="家中无人"))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.CASE_CHANGED)


# The second person's decision on a matching visit

def closed_for_confirmation(world) -> str:
    case_id = assigned(world)
    world.svc.home_visits.move(case_id, from_statuses=("assigned",), to_status="done", now=NOW, outcome="confirming")
    return case_id


def test_an_approval_gives_the_case_the_certifications_outcome(world):
    case_id = closed_for_confirmation(world)
    home_visits.confirmation_confirmed(world.svc, case_id, "passed")
    assert (stored(world, case_id).status, stored(world, case_id).outcome) == ("done", "passed")


def test_a_refusal_puts_the_case_back_on_the_queue_with_the_reason(world):
    case_id = closed_for_confirmation(world)
    world.svc.clock.advance(hours=2)
    home_visits.confirmation_refused(world.svc, SimpleNamespace(detail=json.dumps({"case_id": case_id})), "照片模糊")
    case = stored(world, case_id)
    assert (case.status, case.outcome, case.failure_reason, case.updated_at) == (
        "assigned", "failed", labels.CASE_NOT_CONFIRMED.format(reason="照片模糊"), world.svc.clock.now())


def test_a_decision_on_a_case_not_done_or_gone_changes_nothing(world):
    case_id = assigned(world)
    before = stored(world, case_id)
    home_visits.confirmation_confirmed(world.svc, case_id, "passed")
    home_visits.confirmation_refused(world.svc, SimpleNamespace(detail=json.dumps({"case_id": case_id})), "x")
    home_visits.confirmation_confirmed(world.svc, "hv_gone", "passed")
    home_visits.confirmation_refused(world.svc, SimpleNamespace(detail=json.dumps({"case_id": "hv_gone"})), "x")
    assert stored(world, case_id) == before and world.svc.home_visits.get("hv_gone") is None


# A refused review proposes a visit (admin/reviews.py)

def refused_review(world, person) -> ReviewCase:
    """A manual visit's review of the person, stored and refused (in the in-memory reviews)."""
    review = ReviewCase(new_review_id(), kind="home_visit", subject_key=person.id_key,
                        subject_id_sealed=person.id_sealed, name=person.name, region=person.region, unit=person.unit,
                        year=2026, requested_by="staff:op", created_at=NOW, due_by="2026-03-06T17:00:00+08:00",
                        visit_address_sealed=world.svc.vault.seal(ADDRESS))
    world.svc.reviews.create_unless_open(review)
    world.svc.reviews.decide(review.review_id, outcome="refused", by="pa", by_name="省管理员", reason="不是本人",
                             now=NOW)
    return review


def test_a_refused_review_opens_a_case_or_keeps_the_subjects_open_one(world):
    id_number, person = a_person(world)
    review = refused_review(world, person)
    case_id = admin_reviews._propose_home_visit(world.svc, world.operator, review)
    case = stored(world, case_id)
    assert world.svc.reviews.get(review.review_id).home_visit_case_id == case_id
    assert (case.source, case.status, case.requested_by, case.address_sealed) == (
        "review", "open", "staff:op", review.visit_address_sealed)
    assert [e["action"] for e in world.audit] == ["hv_create"]
    again = refused_review(world, person)
    assert admin_reviews._propose_home_visit(world.svc, world.operator, again) == case_id
    assert world.svc.reviews.get(again.review_id).home_visit_case_id == case_id  # the kept case
    assert [e["action"] for e in world.audit] == ["hv_create"]  # the kept case is not created again
    assert raised(lambda: ask(world, an_account(world, id_number))).code is ErrorCode.HOME_VISIT_PENDING
