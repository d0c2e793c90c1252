"""Issue 19, findings 6 and 7 (and 14's captcha flood), played over the API: per-address caps lock
the attacker's address, not the people behind it, and a storm from many addresses asks for a
captcha (and alerts) before the seed's lock at the 3rd wrong password."""
from __future__ import annotations

from auth_steps import PASSWORD, captcha, login, post, register
from support import unique_id_number, unique_phone
from test_account_attacks import WRONG, card_login, import_cards

from pensioncert.observability import captured_metrics


def code(answer) -> tuple[int, str | None]:
    status, body = answer
    return status, ((body or {}).get("error") or {}).get("code")


def registered(api, client, count: int) -> list[str]:
    phones = [unique_phone() for _ in range(count)]
    for phone in phones:
        client.fresh()  # registration draws captchas: not the attacker's address
        assert register(api, phone, unique_id_number())[0] == 201
    return phones


def test_one_address_cannot_lock_phones_in_bulk(api, svc, client):
    """Finding 6: 36 wrong logins from one address locked 12 phones."""
    phones = registered(api, client, 12)
    attacker = client.fresh()
    answers = [code(login(api, phone, WRONG)) for phone in phones for _ in range(3)]
    assert answers.count((423, "ACCOUNT_LOCKED")) == 3  # 10 failures an hour: 3 phones at most
    assert answers[10:] == [(429, "LOGIN_RATE_LIMITED")] * 26
    client.fresh()
    for phone in phones[4:]:  # none of the others is locked or even counted
        assert login(api, phone)[0] == 200
    client.use(attacker)
    svc.clock.advance(seconds=3601)
    assert login(api, phones[3])[0] == 200


def test_a_neighbour_behind_the_attackers_address_still_logs_in(api, svc, client):
    """Finding 7: a correct credential from a shared address works unless that account is the one
    under attack from there."""
    cards = import_cards(svc, 5)
    phone = registered(api, client, 1)[0]
    shared = client.fresh()
    for person in cards[:3]:
        for _ in range(3):
            card_login(api, person, "000000")
    assert code(card_login(api, cards[3], "000000")) == (401, "LOGIN_FAILED")  # the 10th
    assert code(card_login(api, cards[3], "000000")) == (429, "LOGIN_RATE_LIMITED")
    assert code(card_login(api, cards[3])) == (429, "LOGIN_RATE_LIMITED")  # the card under attack
    assert card_login(api, cards[4])[0] == 200  # another person's right PIN, same address
    assert login(api, phone)[0] == 200  # and a phone login from it
    # A guess past the cap counts on no card: cards[4]'s owner is not one step nearer a lock.
    client.use(shared)
    other = import_cards(svc, 1)[0]
    assert code(card_login(api, other, "000000")) == (429, "LOGIN_RATE_LIMITED")
    client.fresh()
    assert card_login(api, other, "000000")[1]["error"]["attempts_left"] == 2


def test_a_storm_from_many_addresses_needs_a_captcha_and_alerts_before_the_lock(api, client):
    """The seed's lock (3 wrong passwords, 24 h) stays; failures from a second address ask every
    further try for a captcha (400 CAPTCHA_INVALID, "captcha_required": true) and alert."""
    phone = registered(api, client, 1)[0]
    client.fresh()
    assert code(login(api, phone, WRONG)) == (401, "LOGIN_FAILED")
    client.fresh()
    status, body = login(api, phone, WRONG)
    assert (status, body["error"]["code"], body["error"].get("captcha_required")) == (
        400, "CAPTCHA_INVALID", True)
    with captured_metrics() as metrics:
        captcha_id, answer = captcha(api)
        status, body = post(api, "/auth/login", {"phone": phone, "password": WRONG,
                                                 "captcha_id": captcha_id, "captcha_answer": answer})
    assert (status, body["error"]["attempts_left"]) == (401, 1)  # the captcha-less try counted nothing
    assert [m["name"] for m in metrics] == ["LoginStorm"]
    owner = client.fresh()
    assert code(login(api, phone)) == (400, "CAPTCHA_INVALID")  # not checked, not counted
    captcha_id, answer = captcha(api)
    status, _ = post(api, "/auth/login", {"phone": phone, "password": PASSWORD,
                                          "captcha_id": captcha_id, "captcha_answer": answer})
    assert status == 200
    client.use(owner)
    assert login(api, phone)[0] == 200  # the count and the storm ended with the right password


def test_an_unknown_phone_answers_a_storm_like_a_known_one(api, client):
    phone = unique_phone()
    login(api, phone, WRONG)
    client.fresh()
    status, body = login(api, phone, WRONG)
    assert (status, body["error"].get("captcha_required")) == (400, True)


def test_one_address_cannot_draw_captchas_without_end(api, svc, client, monkeypatch):
    """Finding 14's flood (40 captchas in 2.2 s): an address draws at most 30 an hour (the default;
    the local stage, one address for everyone, allows 1000)."""
    from pensioncert.dal import limits
    from pensioncert.logic import captcha as captchas
    from pensioncert.settings import Settings

    limit = Settings.model_fields["captcha_issues_per_client_hour"].default
    assert limit == 30
    monkeypatch.setattr(captchas, "issue_window", lambda _: limits.Window("captcha-issue-test", limit, 3600))
    for _ in range(limit):
        captcha(api)
    assert code(post(api, "/auth/captcha")) == (429, "SMS_RATE_LIMITED")
    client.fresh()
    assert post(api, "/auth/captcha")[0] == 200
