"""The confirmations' use cases without AWS: opening one (pensioncert/logic/confirmations.py) and
the admin's list, approval and refusal (pensioncert/admin/confirmations.py), the confirmations in
the in-memory repository (held to the same contract as DynamoDB's by
tests/integration/test_confirmation_repository.py), whose ``audit`` holds the events written with
each change. What an approval applies belongs to other aggregates (certifications, the registry,
reviews): those appliers are stand-ins here that record what they were given."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from support import unique_id_number

from pensioncert import normalize
from pensioncert.admin import confirmations as admin
from pensioncert.admin import home_visits, labels, reviews
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.clock import FakeClock
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import confirmations
from pensioncert.pii import PiiVault
from pensioncert.repositories.confirmations import APPROVED, PENDING, REFUSED, InMemoryConfirmations
from pensioncert.rules import four_eyes
from pensioncert.services import Services
from pensioncert.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
REGION, OTHER = "西安市", "宝鸡市"
PARALLEL = 8


@pytest.fixture
def world(monkeypatch):
    """A Services on the in-memory confirmations; ``applied`` what the appliers were given
    (a review's pass for REVIEW, a refused visit for HOME_VISIT)."""
    svc = Services(settings=Settings(pii_key="k" * 32, token_secret="t" * 64), vault=PiiVault("k" * 32),
                   clock=FakeClock(NOW), confirmations=InMemoryConfirmations())
    state = SimpleNamespace(svc=svc, store=svc.confirmations, applied=[])

    def decide_confirmed(svc, principal, confirmation, detail):
        state.applied.append(("review", principal.username, confirmation.confirmation_id, detail))
        return {"outcome": "passed"}

    def confirmation_refused(svc, confirmation, reason):
        state.applied.append(("visit_refused", confirmation.confirmation_id, reason))

    monkeypatch.setattr(reviews, "decide_confirmed", decide_confirmed)
    monkeypatch.setattr(home_visits, "confirmation_refused", confirmation_refused)
    return state


def operator(name: str, region: str = REGION) -> StaffPrincipal:
    return StaffPrincipal(name, f"{name}的名字", labels.ROLE_OPERATOR, (region,))


def province(name: str = "prov") -> StaffPrincipal:
    return StaffPrincipal(name, f"{name}的名字", labels.ROLE_PROVINCE_ADMIN)


def a_person(svc, name="王秀英"):
    id_number = unique_id_number(1950)
    return SimpleNamespace(id_key=svc.vault.lookup("id", id_number), id_sealed=svc.vault.seal(id_number), name=name,
                           id_number=id_number)


def ask(world, kind=four_eyes.REVIEW, *, by="first", region=REGION, person=None, audit=None, **fields):
    """A pending confirmation opened by ``by`` through the use case."""
    return confirmations.request(world.svc, kind=kind, region=region, requested_by=by, requested_by_name=f"{by}的名字",
                                 detail=fields.pop("detail", {"review_id": "rv_1", "reason": "复核通过"}),
                                 person=person if person is not None else a_person(world.svc), audit=audit, **fields)


def raised(call) -> tuple[ErrorCode, str]:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value.code, caught.value.message


# Opening a confirmation (logic.confirmations.request)

def test_a_request_is_stored_pending_as_the_use_case_built_it(world):
    person = a_person(world.svc)
    asked = ask(world, four_eyes.HOME_VISIT, person=person, visited_by="visitor",
                detail={"year": 2026, "visited_on": "2026-02-28", "visited_by_name": "上门员"})
    assert asked is not None and asked.confirmation_id.startswith("cf_") and len(asked.confirmation_id) == 19
    assert world.store.get(asked.confirmation_id) == asked
    assert (asked.kind, asked.state, asked.region, asked.requested_by, asked.requested_by_name, asked.visited_by,
            asked.created_at, asked.subject_key, asked.subject_id_sealed, asked.name) == (
        four_eyes.HOME_VISIT, PENDING, REGION, "first", "first的名字", "visitor", NOW, person.id_key,
        person.id_sealed, "王秀英")
    assert json.loads(asked.detail) == {"year": 2026, "visited_on": "2026-02-28", "visited_by_name": "上门员"}
    assert "上门员" in asked.detail  # not escaped
    assert (asked.decided_by, asked.decided_at, asked.decision_reason) == (None, None, None)


def test_a_request_without_a_person_names_none(world):
    asked = confirmations.request(world.svc, kind=four_eyes.EVENT_FEED, region=labels.ALL_REGIONS,
                                  requested_by="up", requested_by_name="上传人", detail={"filename": "a.csv"})
    assert asked is not None and (asked.subject_key, asked.subject_id_sealed, asked.name) == (None, None, None)


def test_a_request_writes_its_audit_event_with_it(world):
    ask(world, audit={"actor": "first", "actor_name": "first的名字", "action": "confirm_requested",
                      "target": "x", "region": REGION, "before": None, "after": None, "reason": None})
    ask(world)  # none given, none written
    assert [(e["now"], e["action"]) for e in world.store.audit] == [(NOW, "confirm_requested")]


def test_a_request_under_a_taken_id_is_none_and_the_first_stands(world):
    person = a_person(world.svc)
    first = ask(world, four_eyes.DEATH_RECORD, person=person, confirmation_id="cf_death_1",
                detail={"event_date": "2026-01-20", "source": "民政"}, audit={"actor": "imp", "action": "a"})
    world.svc.clock.advance(minutes=5)
    again = ask(world, four_eyes.DEATH_RECORD, person=person, confirmation_id="cf_death_1",
                detail={"event_date": "2026-01-21", "source": "民政"}, audit={"actor": "imp", "action": "b"})
    assert again is None
    assert world.store.with_state(PENDING, REGION) == [first]
    assert [e["action"] for e in world.store.audit] == ["a"]


# The list (admin.confirmations.queue)

def test_an_operator_lists_their_regions_pending_oldest_first(world):
    person = a_person(world.svc, "李建国")
    later = ask(world, person=person)
    world.svc.clock.advance(minutes=-10)
    earlier = ask(world, four_eyes.STAFF_PHOTO, detail={"reason": "照片模糊"})
    ask(world, region=OTHER)
    rows = admin.queue(world.svc, operator("clerk"))
    assert [row["confirmation_id"] for row in rows] == [earlier.confirmation_id, later.confirmation_id]
    row = rows[1]
    assert (row["name"], row["id_masked"], row["region"], row["requested_by"], row["state_label"], row["kind_label"],
            row["may_decide"], row["why_not"], row["decided_by"]) == (
        "李建国", normalize.mask_id_number(person.id_number), REGION, "first的名字", "待确认",
        four_eyes.KINDS[four_eyes.REVIEW], True, "", "")
    assert row["created"] == "2026-03-01 17:00"  # Beijing time
    assert (rows[0]["may_decide"], rows[0]["why_not"]) == (False, four_eyes.PROVINCIAL)


def test_the_requester_sees_their_own_request_they_may_not_decide(world):
    ask(world)
    [row] = admin.queue(world.svc, operator("first"))
    assert (row["may_decide"], row["why_not"]) == (False, four_eyes.SAME_PERSON)


def test_a_provincial_administrator_lists_every_region(world):
    mine = [ask(world, region=REGION), ask(world, region=OTHER)]
    listed = [row["confirmation_id"] for row in admin.queue(world.svc, province())]
    assert sorted(listed) == sorted(c.confirmation_id for c in mine)


def test_a_decided_state_lists_the_decided(world):
    asked = ask(world)
    admin.approve(world.svc, operator("second"), asked.confirmation_id)
    assert admin.queue(world.svc, operator("clerk")) == []
    [row] = admin.queue(world.svc, operator("clerk"), APPROVED)
    assert (row["state_label"], row["decided_by"], row["may_decide"]) == ("已批准", "second的名字", False)


# Approving

def test_an_approval_is_stored_audited_and_applied(world):
    asked = ask(world)
    world.svc.clock.advance(hours=1)
    second = operator("second")
    assert admin.approve(world.svc, second, asked.confirmation_id) == {"state": APPROVED, "outcome": "passed"}
    decided = world.store.get(asked.confirmation_id)
    assert decided is not None
    assert (decided.state, decided.decided_by, decided.decided_by_name, decided.decision_reason,
            decided.decided_at) == (APPROVED, "second", "second的名字", labels.CONFIRMATION_AGREED, world.svc.clock.now())
    assert world.applied == [("review", "second", asked.confirmation_id, {"review_id": "rv_1", "reason": "复核通过"})]
    [event] = world.store.audit
    assert (event["now"], event["actor"], event["action"], event["region"], event["reason"]) == (
        world.svc.clock.now(), "second", "confirm_approved", REGION, labels.CONFIRMATION_AGREED)
    assert event["before"] == {labels.AUDIT_ITEM: four_eyes.KINDS[four_eyes.REVIEW],
                               labels.AUDIT_REQUESTED_BY: "first的名字"}
    assert event["after"] == {labels.AUDIT_RESULT: "已批准", labels.AUDIT_APPROVER: "second的名字"}
    assert event["target"].startswith(asked.confirmation_id + " 王秀英 ")


def test_an_approval_keeps_the_opinion_given(world):
    asked = ask(world)
    admin.approve(world.svc, operator("second"), asked.confirmation_id, reason=" 核实无误 ")
    decided = world.store.get(asked.confirmation_id)
    assert decided is not None and decided.decision_reason == "核实无误"


@pytest.mark.parametrize(("approver", "kind", "why"), [
    ("first", four_eyes.REVIEW, four_eyes.SAME_PERSON),
    ("visitor", four_eyes.HOME_VISIT, four_eyes.VISITOR),
    ("second", four_eyes.STAFF_PHOTO, four_eyes.PROVINCIAL),
])
def test_four_eyes_refuse_an_approver_and_nothing_is_written(world, approver, kind, why):
    asked = ask(world, kind, visited_by="visitor")
    assert raised(lambda: admin.approve(world.svc, operator(approver), asked.confirmation_id)) == (
        ErrorCode.FORBIDDEN, why)
    assert world.store.get(asked.confirmation_id) == asked
    assert (world.store.audit, world.applied) == ([], [])


def test_a_staff_photo_is_approved_by_a_provincial_administrator(world, monkeypatch):
    from pensioncert.admin import pensioners

    monkeypatch.setattr(pensioners, "apply_staff_photo", lambda svc, principal, item, detail: {"notified": True})
    asked = ask(world, four_eyes.STAFF_PHOTO, detail={"reason": "照片模糊"})
    assert admin.approve(world.svc, province(), asked.confirmation_id) == {"state": APPROVED, "notified": True}


@pytest.mark.parametrize("confirmation_id", ["cf_nobody", "", "cf_" + "x" * 78])
def test_an_unknown_confirmation_is_not_found(world, confirmation_id):
    assert raised(lambda: admin.approve(world.svc, operator("second"), confirmation_id)) == (
        ErrorCode.NOT_FOUND, labels.CONFIRMATION_NOT_FOUND)


def test_an_id_too_long_is_not_even_looked_up(world):
    asked = ask(world, confirmation_id="cf_" + "x" * 78)
    assert raised(lambda: admin.approve(world.svc, operator("second"), asked.confirmation_id))[0] is ErrorCode.NOT_FOUND


def test_another_regions_confirmation_is_out_of_scope(world):
    asked = ask(world, region=OTHER)
    assert raised(lambda: admin.approve(world.svc, operator("second"), asked.confirmation_id)) == (
        ErrorCode.FORBIDDEN, labels.OUT_OF_SCOPE)


def test_a_decided_confirmation_is_not_decided_again(world):
    asked = ask(world)
    admin.approve(world.svc, operator("second"), asked.confirmation_id)
    assert raised(lambda: admin.refuse(world.svc, operator("third"), asked.confirmation_id, reason="不同意")) == (
        ErrorCode.BAD_REQUEST, labels.CONFIRMATION_CHANGED)
    decided = world.store.get(asked.confirmation_id)
    assert decided is not None and (decided.state, decided.decided_by) == (APPROVED, "second")
    assert len(world.applied) == len(world.store.audit) == 1


def test_one_decided_between_the_read_and_the_write_is_changed_and_not_applied(world, monkeypatch):
    """The read saw it pending; the store's conditional write decides: the other decision stands."""
    asked = ask(world)
    admin.refuse(world.svc, operator("third"), asked.confirmation_id, reason="材料不全")
    monkeypatch.setattr(world.store, "get", lambda confirmation_id: asked)  # the stale read
    assert raised(lambda: admin.approve(world.svc, operator("second"), asked.confirmation_id)) == (
        ErrorCode.BAD_REQUEST, labels.CONFIRMATION_CHANGED)
    assert world.store.with_state(REFUSED, REGION)[0].decided_by == "third"
    assert world.applied == []
    assert [e["action"] for e in world.store.audit] == ["confirm_refused"]


def test_parallel_approvals_apply_once(world):
    asked = ask(world)

    def approve(n: int) -> str:
        try:
            admin.approve(world.svc, operator(f"second{n}"), asked.confirmation_id)
        except AppError as error:
            assert error.message == labels.CONFIRMATION_CHANGED
            return "changed"
        return "approved"

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(approve, range(PARALLEL)))
    assert outcomes.count("approved") == 1
    assert len(world.applied) == len(world.store.audit) == 1
    decided = world.store.get(asked.confirmation_id)
    assert decided is not None and decided.decided_by == world.applied[0][1]


# Refusing

@pytest.mark.parametrize("reason", ["", "   ", "否" * 201])
def test_a_refusal_needs_a_reason_of_at_most_200_characters(world, reason):
    asked = ask(world)
    assert raised(lambda: admin.refuse(world.svc, operator("second"), asked.confirmation_id, reason=reason)) == (
        ErrorCode.BAD_REQUEST, labels.CONFIRMATION_REASON_REQUIRED)
    assert world.store.get(asked.confirmation_id) == asked


def test_a_refused_visit_is_told_to_its_case_and_applies_nothing_else(world):
    asked = ask(world, four_eyes.HOME_VISIT, visited_by="visitor", detail={"case_id": "hv_1", "visited_on": "x"})
    assert admin.refuse(world.svc, operator("second"), asked.confirmation_id, reason="照片背景不是登记地址") == {
        "state": REFUSED}
    decided = world.store.get(asked.confirmation_id)
    assert decided is not None and (decided.state, decided.decision_reason) == (REFUSED, "照片背景不是登记地址")
    assert world.applied == [("visit_refused", asked.confirmation_id, "照片背景不是登记地址")]
    [event] = world.store.audit
    assert (event["action"], event["after"]) == ("confirm_refused", {labels.AUDIT_RESULT: "未批准",
                                                                     labels.AUDIT_HANDLER: "second的名字"})
    assert event["before"][labels.AUDIT_VISITOR] == "visitor"


def test_a_province_wide_feed_is_audited_without_a_region(world):
    asked = confirmations.request(world.svc, kind=four_eyes.EVENT_FEED, region=labels.ALL_REGIONS,
                                  requested_by="up", requested_by_name="上传人", detail={"filename": "a.csv"})
    assert asked is not None
    admin.refuse(world.svc, province(), asked.confirmation_id, reason="来源不明")
    [event] = world.store.audit
    assert (event["region"], event["target"]) == (None, asked.confirmation_id)
    assert world.applied == []
