"""Issue 19, finding 5, played over real HTTP against the stack `make run` starts: a verified
stranger adds a retiree as a contact and tries to certify her with his own face. A retiree with a
phone of her own must consent first; one without a phone lets him try, on his own budget. Either
way the retiree still opens her own session. Real faces only: p06 is the retiree, p04 the
stranger; ID cards are drawn. Sessions are opened without re-drawing: each open uses one of the
subject's daily sessions (rules/session_caps.py), and a failure needs no answerable draw."""
from __future__ import annotations

import devset
import pytest
from support import unique_id_number, unique_phone
from test_attacks_over_http import PIN, UNIT, card_login, error_of
from test_journey import import_registry
from test_stack import sms_code

ATTEMPTS_PER_YEAR = 5  # the seed's self-service failures per subject and year (rules/attempts.py)


@pytest.fixture(scope="module")
def people(vision_models, stack, tmp_path_factory):
    people = {
        "周桂芳": (unique_id_number(1946), "activated", PIN, "p06.jpg"),  # the retiree who binds a phone
        "吴秀珍": (unique_id_number(1945), "activated", PIN, "p06.jpg"),  # the retiree with no phone
        "赵文华": (unique_id_number(1975), "activated", PIN, "p04.jpg"),  # the stranger
    }
    rows = [f"{number},{name},{UNIT},{card},{pin},{photo}" for name, (number, card, pin, photo) in people.items()]
    report = import_registry(stack, tmp_path_factory.mktemp("registry"), rows, ("p04", "p06"))
    assert report["written"] == len(people) and report["errors"] == []
    return {name: number for name, (number, *_) in people.items()}


def add_contact(stack, token, name, id_number) -> str:
    status, body = stack.post("/contacts", {"name": name, "id_number": id_number, "relation": "母亲"}, token)
    assert status == 201, body
    return body["contact_id"]


def open_session(stack, token, subject="self"):
    return stack.post("/certify/sessions", {"subject": subject}, token)


def fail_with_own_face(stack, token, session):
    return stack.post(f"/certify/sessions/{session['session_id']}/complete",
                      {"steps": devset.answer(session["challenges"], "p04")}, token)


def test_a_stranger_cannot_try_for_a_retiree_with_a_phone_and_she_still_opens_her_session(stack, people):
    retiree = card_login(stack, people["周桂芳"])["token"]
    phone = unique_phone()
    status, body = stack.post("/auth/bind-phone", {"phone": phone, "sms_code": sms_code(stack, phone, "bind_phone")},
                              retiree)
    assert status == 200, body
    stranger = card_login(stack, people["赵文华"])["token"]
    contact_id = add_contact(stack, stranger, "周桂芳", people["周桂芳"])
    assert error_of(open_session(stack, stranger, contact_id)) == (403, "CONSENT_REQUIRED")
    status, body = open_session(stack, retiree)
    assert status == 201, body


def test_a_strangers_failures_exhaust_only_his_own_tries_for_a_retiree_without_a_phone(stack, people):
    stranger = card_login(stack, people["赵文华"])["token"]
    contact_id = add_contact(stack, stranger, "吴秀珍", people["吴秀珍"])
    for _ in range(ATTEMPTS_PER_YEAR):
        status, session = open_session(stack, stranger, contact_id)
        assert status == 201, session
        assert fail_with_own_face(stack, stranger, session)[0] == 422
    assert error_of(open_session(stack, stranger, contact_id)) == (429, "ATTEMPTS_EXHAUSTED")
    status, body = open_session(stack, card_login(stack, people["吴秀珍"])["token"])
    assert status == 201, body
