"""Re-rolling the draw costs something (issue 18, contract v1.2 ``429 SESSION_LIMIT``): liveness
sessions opened per subject and per account per Beijing day are capped by conditional counters.

Every session is opened through the API by accounts the API made (card logins of imported
retirees, contacts added through ``POST /contacts``); the subjects' registry photos are dev-set
reference frames, so a session opens as it would for a real retiree.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from auth_steps import post
from support import unique_id_number
from test_certify_limits import add, card_holder, card_login, code_of, get, import_people
from test_certify_with_faces import vision_models  # noqa: F401

from pensioncert.clock import BEIJING


def open_for(api, token, subject="self"):
    return post(api, "/certify/sessions", {"subject": subject}, token)


def next_beijing_midnight(svc) -> str:
    day = svc.clock.now().astimezone(BEIJING).date() + timedelta(days=1)
    return f"{day.isoformat()}T00:00:00+08:00"


def contact_of(api, svc, token, photo: str) -> tuple[str, str]:
    """A retiree with a registry photo and no account, added as the caller's contact:
    (contact_id, ID number)."""
    person = unique_id_number(1945)
    import_people(svc, [f"{person},王秀英,西安市,新城区机关事务中心,recipient,,,{photo}"])
    return add_contact(api, token, person), person


def add_contact(api, token, person) -> str:
    before = {c["contact_id"] for c in get(api, "/contacts", token)[1]["items"]}
    assert add(api, token, person)[0] == 201
    return next(c["contact_id"] for c in get(api, "/contacts", token)[1]["items"] if c["contact_id"] not in before)


def assert_capped(svc, answer):
    status, body = answer
    assert (status, body["error"]["code"]) == (429, "SESSION_LIMIT"), body
    assert body["error"]["retry_at"] == next_beijing_midnight(svc)
    assert "明天" in body["error"]["message"]


def test_a_subjects_sessions_are_capped_across_accounts(api, svc, vision_models):
    assert svc.settings.liveness_sessions_per_subject_per_day == 10
    retiree, retiree_token = card_holder(svc, api, photo="p06.jpg")
    relative, relative_token = card_holder(svc, api, name="周建民", photo="p04.jpg")
    assert add(api, relative_token, retiree, name="周国庆", relation="父亲")[0] == 201
    contact = get(api, "/contacts", relative_token)[1]["items"][0]["contact_id"]

    opened = [open_for(api, retiree_token)[0] for _ in range(6)]
    opened += [open_for(api, relative_token, contact)[0] for _ in range(4)]
    assert opened == [201] * 10  # the 10th still opens
    assert_capped(svc, open_for(api, relative_token, contact))  # the 11th, from either account
    assert_capped(svc, open_for(api, retiree_token))
    assert open_for(api, relative_token)[0] == 201  # the relative's own account is not capped

    svc.clock.advance(days=1)  # the next Beijing day
    assert open_for(api, card_login(api, relative), contact)[0] == 201


def test_an_accounts_sessions_are_capped_across_subjects(api, svc, vision_models):
    assert svc.settings.liveness_sessions_per_account_per_day == 20
    _, token = card_holder(svc, api, photo="p06.jpg")
    (mother, _), (father, father_id) = contact_of(api, svc, token, "p04.jpg"), contact_of(api, svc, token, "p05.jpg")
    opened = [open_for(api, token)[0] for _ in range(8)]
    opened += [open_for(api, token, mother)[0] for _ in range(8)]
    opened += [open_for(api, token, father)[0] for _ in range(4)]
    assert opened == [201] * 20
    assert_capped(svc, open_for(api, token, father))  # father has had 4: the account's cap
    assert_capped(svc, open_for(api, token))

    # Another account's session for the same relative still opens: the refusal was the account's.
    _, sibling_token = card_holder(svc, api, name="周建民", photo="p04.jpg")
    assert open_for(api, sibling_token, add_contact(api, sibling_token, father_id))[0] == 201


def test_concurrent_opens_never_pass_the_cap(api, svc, vision_models):
    _, token = card_holder(svc, api, photo="p06.jpg")
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: code_of(open_for(api, token)), range(16)))
    assert answers.count((201, None)) == 10
    assert answers.count((429, "SESSION_LIMIT")) == 6


def test_a_refused_open_takes_nothing(api, svc, vision_models):
    """At the cap a refused open counts nothing: the next day starts at zero, not at 11."""
    person, token = card_holder(svc, api, photo="p06.jpg")
    assert [open_for(api, token)[0] for _ in range(10)] == [201] * 10
    for _ in range(5):
        assert_capped(svc, open_for(api, token))
    svc.clock.advance(days=1)
    token = card_login(api, person)
    assert [open_for(api, token)[0] for _ in range(10)] == [201] * 10
    assert_capped(svc, open_for(api, token))
