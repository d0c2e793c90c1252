"""Issue 10's account attacks, played over the API (chalice's test client against the emulator):
ID squatting (2), tokens that outlive a reset, a lock or a binding (5), anonymous probing (6).
Each attack ends in the one answer the contract documents. Every test is its own client address
(the ``client`` fixture of conftest.py)."""
from __future__ import annotations

import json

import argon2
import jwt
import pytest
from auth_steps import PASSWORD, latest_code, login, post, register, request_code
from support import unique_address, unique_id_number, unique_phone

from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PIN = "246810"
WRONG = "Wrong2026x"


def get(api, path: str, token: str):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def card_login(api, id_number: str, pin: str = PIN):
    return post(api, "/auth/card-login", {"id_number": id_number, "card_password": pin})


def import_cards(svc, count: int, name: str = "李秀英") -> list[str]:
    people = [unique_id_number(1948) for _ in range(count)]
    rows = "".join(f"{person},{name},西安市,碑林区教育局,recipient,activated,{PIN},\n" for person in people)
    report = import_registry(svc, HEADER + rows, None, store_photo=None)
    assert report.errors == [] and report.written == count
    return people


# What GET /contacts answers a token: each test knows which of the three it must be.
VERIFIED = (200, None)  # a live token of a card account or a bound phone account
UNVERIFIED = (403, "REAL_NAME_REQUIRED")  # a live token of a phone account before binding
STALE = (401, "UNAUTHENTICATED")  # a token the API no longer takes


def token_answer(api, token: str) -> tuple[int, str | None]:
    status, body = get(api, "/contacts", token)
    return status, (body.get("error") or {}).get("code")


# --- 2. ID squatting -------------------------------------------------------------------------

def test_a_squatter_who_typed_the_retirees_id_number_captures_nothing(api, svc):
    retiree = import_cards(svc, 1, name="李秀英")[0]
    squatter = unique_phone()
    assert register(api, squatter, retiree, name="王冒名")[0] == 201
    # Registration answers a known and a never-seen ID number alike, and reserves neither.
    own_phone = unique_phone()
    status, body = register(api, own_phone, retiree, name="李秀英")
    assert status == 201 and set(body) == {"user_id"}
    status, fresh = register(api, unique_phone(), unique_id_number(), name="李秀英")
    assert status == 201 and set(fresh) == set(body)

    squatter_user = login(api, squatter)[1]["user"]
    assert squatter_user["real_name_verified"] is False
    status, card = card_login(api, retiree)
    assert status == 200
    # The card holder gets a card account of their own, named from the registry: not the
    # squatter's account, not the squatter's name, and never their own unverified phone account.
    assert card["user"]["user_id"] not in (squatter_user["user_id"], body["user_id"])
    assert card["user"]["name"] == "李秀英" and card["user"]["real_name_verified"] is True
    assert card_login(api, retiree)[1]["user"]["user_id"] == card["user"]["user_id"]
    status, eligibility = get(api, "/certify/eligibility?subject=self", card["token"])
    assert status == 200 and eligibility["reason"] is None  # no RECORD_MISMATCH from the squatter's name
    # The squatter's account stays inert: nothing behind real-name binding opens for it.
    status, refused = get(api, "/certify/eligibility?subject=self", login(api, squatter)[1]["token"])
    assert (status, refused["error"]["code"]) == (403, "REAL_NAME_REQUIRED")


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


def test_the_real_persons_binding_wins_and_a_later_binding_of_the_number_is_refused(api, svc, vision_models):
    import devset

    from pensioncert.dal import evidence

    person, face = unique_id_number(1948), "p06"
    report = import_registry(
        svc, HEADER + f"{person},周国庆,西安市,新城区机关事务中心,recipient,activated,{PIN},{face}.jpg\n",
        devset.reference_dir(),
        lambda id_key, image: evidence.put_registry_photo(svc.client("s3"), svc.settings.evidence_bucket,
                                                          id_key, image))
    assert report.errors == [] and report.written == 1
    squatter, own, second = unique_phone(), unique_phone(), unique_phone()
    assert register(api, squatter, person, name="王冒名")[0] == 201  # first to type the number
    assert register(api, own, person, name="周国庆")[0] == 201
    assert register(api, second, person, name="周国庆")[0] == 201

    def bind(phone):
        token = login(api, phone)[1]["token"]
        status, session = post(api, "/auth/real-name/sessions", {"name": "周国庆", "id_number": person}, token)
        assert status == 201, session
        answer = post(api, f"/auth/real-name/sessions/{session['session_id']}/complete", {
            "id_card_image": devset.id_card_b64(face, name="周国庆", id_number=person),
            "steps": devset.answer(session["challenges"], face)}, token)
        return token, answer

    before, (status, body) = bind(own)
    assert (status, body) == (200, {"real_name_verified": True})
    assert token_answer(api, before) == STALE  # the binding ended the tokens of the unverified state
    verified = login(api, own)[1]
    assert verified["user"]["real_name_verified"] is True and token_answer(api, verified["token"]) == VERIFIED
    # Card login now returns the account that proved the number, not the squatter's.
    assert card_login(api, person)[1]["user"]["user_id"] == verified["user"]["user_id"]

    _, (status, body) = bind(second)  # the same face and card, another account: too late
    assert (status, body["error"]["code"]) == (409, "ID_NUMBER_ALREADY_REGISTERED")
    assert login(api, second)[1]["user"]["real_name_verified"] is False
    assert card_login(api, person)[1]["user"]["user_id"] == verified["user"]["user_id"]


def test_a_number_proved_by_card_login_is_not_bound_again_by_a_phone_account(api, svc, vision_models):
    import devset

    from pensioncert.dal import evidence

    person, face = unique_id_number(1929), "p04"
    report = import_registry(
        svc, HEADER + f"{person},周王氏,西安市,新城区机关事务中心,recipient,activated,{PIN},{face}.jpg\n",
        devset.reference_dir(),
        lambda id_key, image: evidence.put_registry_photo(svc.client("s3"), svc.settings.evidence_bucket,
                                                          id_key, image))
    assert report.errors == []
    card_account = card_login(api, person)[1]["user"]["user_id"]  # the card proved the number first
    phone = unique_phone()
    assert register(api, phone, person, name="周王氏")[0] == 201
    token = login(api, phone)[1]["token"]
    status, session = post(api, "/auth/real-name/sessions", {"name": "周王氏", "id_number": person}, token)
    assert status == 201, session
    status, body = post(api, f"/auth/real-name/sessions/{session['session_id']}/complete", {
        "id_card_image": devset.id_card_b64(face, name="周王氏", id_number=person),
        "steps": devset.answer(session["challenges"], face)}, token)
    assert (status, body["error"]["code"]) == (409, "ID_NUMBER_ALREADY_REGISTERED")
    assert "社保卡登录" in body["error"]["message"]
    assert card_login(api, person)[1]["user"]["user_id"] == card_account


# --- 5. Tokens die with the password, a lock and a binding -----------------------------------

def test_a_password_reset_ends_every_earlier_token(api, svc):
    phone = unique_phone()
    register(api, phone, unique_id_number())
    first, second = login(api, phone)[1]["token"], login(api, phone)[1]["token"]
    assert token_answer(api, first) == token_answer(api, second) == UNVERIFIED
    assert request_code(api, phone, "reset_password")[0] == 202
    status, _ = post(api, "/auth/password-reset", {
        "phone": phone, "sms_code": latest_code(api, phone),
        "new_password": "Xian2026new", "new_password_confirm": "Xian2026new"})
    assert status == 200
    assert token_answer(api, first) == token_answer(api, second) == STALE
    status, body = post(api, "/auth/bind-phone", {"phone": unique_phone(), "sms_code": "123456"}, first)
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
    assert token_answer(api, login(api, phone, "Xian2026new")[1]["token"]) == UNVERIFIED


def test_the_lock_ends_every_earlier_token(api, svc):
    phone = unique_phone()
    register(api, phone, unique_id_number())
    token = login(api, phone)[1]["token"]
    for _ in range(2):
        login(api, phone, WRONG)
    assert token_answer(api, token) == UNVERIFIED  # failures short of the lock end nothing
    assert login(api, phone, WRONG)[0] == 423
    assert token_answer(api, token) == STALE
    svc.clock.advance(hours=24)
    assert token_answer(api, login(api, phone)[1]["token"]) == UNVERIFIED


def test_a_card_lock_does_not_end_the_owners_sessions(api, svc, client):
    """Issue 19, finding 6: a card lock needs only the ID number; it used to end the owner's
    tokens too. Wrong PINs from someone else say nothing about the owner's open sessions."""
    person = import_cards(svc, 1)[0]
    token = card_login(api, person)[1]["token"]
    assert token_answer(api, token) == VERIFIED
    client.fresh()
    for _ in range(3):
        card_login(api, person, "000000")
    assert card_login(api, person)[0] == 423  # the card login is locked, as the seed says
    assert token_answer(api, token) == VERIFIED


def test_a_token_of_another_version_or_without_one_is_refused(api, svc):
    phone = unique_phone()
    register(api, phone, unique_id_number())
    token = login(api, phone)[1]["token"]
    claims = jwt.decode(token, svc.token_secret, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["tv"] == 0 and token_answer(api, token) == UNVERIFIED
    ahead = jwt.encode({**claims, "tv": 1}, svc.token_secret, algorithm="HS256")
    without = jwt.encode({k: v for k, v in claims.items() if k != "tv"}, svc.token_secret, algorithm="HS256")
    assert token_answer(api, ahead) == token_answer(api, without) == STALE


# --- 6. Anonymous probing --------------------------------------------------------------------

def test_password_reset_checks_the_sms_code_before_anything_else(api, svc):
    registered, id_number = unique_phone(), unique_id_number(1948)
    register(api, registered, id_number)
    birthday = "Ab" + id_number[6:14]  # weak for this holder only: it contains the birth date
    answers = {}
    for phone in (registered, unique_phone()):
        answers[phone] = [post(api, "/auth/password-reset", {
            "phone": phone, "sms_code": "123456", "new_password": new, "new_password_confirm": confirm})
            for new, confirm in (("abc", "abc"), (birthday, birthday), (PASSWORD, PASSWORD + "x"))]
    of_registered, of_unknown = answers.values()
    assert of_registered == of_unknown
    assert {(status, body["error"]["code"]) for status, body in answers[registered]} == {(400, "SMS_CODE_INVALID")}

    assert request_code(api, registered, "reset_password")[0] == 202
    code = latest_code(api, registered)
    status, body = post(api, "/auth/password-reset", {
        "phone": registered, "sms_code": code, "new_password": birthday, "new_password_confirm": birthday})
    assert (status, body["error"]["code"]) == (400, "PASSWORD_WEAK")
    assert "重新获取验证码" in body["error"]["message"]  # the code was spent on the check
    status, body = post(api, "/auth/password-reset", {
        "phone": registered, "sms_code": code, "new_password": "Xian2026new", "new_password_confirm": "Xian2026new"})
    assert (status, body["error"]["code"]) == (400, "SMS_CODE_INVALID")


def test_login_answers_an_unknown_phone_exactly_like_a_known_one(api, svc):
    known, unknown = unique_phone(), unique_phone()
    register(api, known, unique_id_number())
    answers = {phone: [login(api, phone, WRONG) for _ in range(4)] for phone in (known, unknown)}
    assert answers[known] == answers[unknown]
    assert [(status, body["error"]["code"]) for status, body in answers[unknown]] == [
        (401, "LOGIN_FAILED"), (401, "LOGIN_FAILED"), (423, "ACCOUNT_LOCKED"), (423, "ACCOUNT_LOCKED")]
    assert [body["error"].get("attempts_left") for _, body in answers[unknown][:2]] == [2, 1]
    assert login(api, unique_phone(), WRONG)[1]["error"]["attempts_left"] == 2  # counted per number
    svc.clock.advance(hours=24)
    assert login(api, known, WRONG) == login(api, unknown, WRONG)
    assert login(api, unknown, WRONG)[1]["error"]["attempts_left"] == 1


def test_an_unknown_phones_count_ends_30_days_after_its_last_failure(api, svc):
    """The counter items of probed numbers go away (DynamoDB TTL, lazily: the code treats an
    expired item as gone); a month per number makes waiting for it no practical probe."""
    unknown = unique_phone()
    login(api, unknown, WRONG)
    svc.clock.advance(days=29)
    assert login(api, unknown, WRONG)[1]["error"]["attempts_left"] == 1
    svc.clock.advance(days=30, seconds=1)
    assert login(api, unknown, WRONG)[1]["error"]["attempts_left"] == 2


def test_both_login_paths_spend_one_argon2_computation(api, monkeypatch):
    spent = []
    for method in ("hash", "verify"):
        original = getattr(argon2.PasswordHasher, method)
        monkeypatch.setattr(argon2.PasswordHasher, method,
                            lambda self, *a, _m=method, _o=original: spent.append(_m) or _o(self, *a))
    known = unique_phone()
    register(api, known, unique_id_number())
    for phone in (known, unique_phone()):
        spent.clear()
        assert login(api, phone, WRONG)[0] == 401
        assert len(spent) == 1, (phone, spent)


def test_card_pins_are_normalised_like_the_import_and_slips_do_not_count(api, svc):
    person = import_cards(svc, 1)[0]
    for typed in ("２４６８１０", "  246810 ", "246 810", "\u3000246810"):
        status, body = card_login(api, person, typed)
        assert status == 200, (typed, body)
    for slip in ("24681", "２４６８１", "abcdef", ""):
        status, body = card_login(api, person, slip)
        assert (status, body["error"]["code"], body["error"]["field"]) == (400, "BAD_REQUEST", "card_password")
    status, body = card_login(api, person, "000000")
    assert (status, body["error"]["attempts_left"]) == (401, 2)


def test_the_card_lock_says_how_it_ends_and_staff_can_lift_it(api, svc):
    from pensioncert.admin import accounts as staff_accounts
    from pensioncert.admin.principal import StaffPrincipal

    person = import_cards(svc, 1)[0]
    for _ in range(2):
        card_login(api, person, "000000")
    status, body = card_login(api, person, "000000")
    assert (status, body["error"]["code"]) == (423, "ACCOUNT_LOCKED")
    message = body["error"]["message"]
    assert "自动解锁" in message and "经办机构" in message and "忘记密码" not in message
    assert body["error"]["unlock_at"].endswith("+08:00")
    assert card_login(api, person)[0] == 423  # even the right PIN

    staff = StaffPrincipal("unlock_test", "柜台经办员", "operator", ("西安市",))
    card = staff_accounts.find(svc, staff, person)["card"]
    assert card["locked"]
    staff_accounts.unlock_card(svc, staff, card["id_key"], "本人持身份证和社保卡到柜台")
    assert card_login(api, person)[0] == 200


def test_one_client_cannot_lock_cards_in_bulk(api, svc, client):
    cards = import_cards(svc, 4)
    limit = svc.settings.card_login_failures_per_client_hour
    assert limit == 10
    attacker = client.fresh()
    for person in cards[:3]:
        answers = [card_login(api, person, "000000") for _ in range(3)]
        assert [(status, body["error"]["code"]) for status, body in answers] == [
            (401, "LOGIN_FAILED"), (401, "LOGIN_FAILED"), (423, "ACCOUNT_LOCKED")]  # the 3rd wrong PIN locks
    assert card_login(api, unique_id_number())[0] == 404  # an unknown person counts as well
    # The 11th unsuccessful try of this client within the hour: refused before any card is read,
    # so neither a guess nor the right PIN reaches the fourth card.
    for pin in ("000000", PIN):
        status, body = card_login(api, cards[3], pin)
        assert (status, body["error"]["code"]) == (429, "LOGIN_RATE_LIMITED")
    client.fresh()
    status, body = card_login(api, cards[3], "000000")
    assert (status, body["error"]["attempts_left"]) == (401, 2)  # the refused tries counted nowhere
    assert card_login(api, cards[3])[0] == 200

    svc.clock.advance(seconds=3601)
    client.use(attacker)
    assert card_login(api, cards[3])[0] == 200


def test_successful_card_logins_use_up_nothing(api, svc, client):
    person = import_cards(svc, 1)[0]
    for _ in range(svc.settings.card_login_failures_per_client_hour + 5):
        assert card_login(api, person)[0] == 200
    assert card_login(api, person, "000000")[1]["error"]["attempts_left"] == 2


# --- the same rules under concurrency (conditional writes) ------------------------------------

def _parallel(task, count=8):
    from concurrent.futures import ThreadPoolExecutor

    from pensioncert.errors import AppError

    def outcome(_):
        try:
            return task()
        except AppError as error:
            return error.code.name

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(outcome, range(count)))


def test_parallel_wrong_logins_on_an_unknown_phone_count_each_once_and_lock(svc):
    from pensioncert.logic import accounts

    phone = unique_phone()
    address = unique_address()  # one caller, so the address's cap is this test's alone
    outcomes = _parallel(lambda: accounts.login(svc, phone=phone, password=WRONG, client=address))
    assert sorted(outcomes) == ["ACCOUNT_LOCKED"] * 6 + ["LOGIN_FAILED"] * 2


def test_parallel_first_card_logins_make_one_account(svc):
    import itertools

    from pensioncert.logic import accounts

    person = import_cards(svc, 1)[0]
    addresses = itertools.count(1)
    outcomes = _parallel(lambda: accounts.card_login(svc, id_number=person, card_password=PIN,
                                                     client=f"192.0.2.{next(addresses)}"))
    assert len({outcome["user"]["user_id"] for outcome in outcomes}) == 1
