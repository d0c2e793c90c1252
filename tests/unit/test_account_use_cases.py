"""The retiree accounts' use cases without AWS (pensioncert/logic/accounts.py): registering, the phone
login and its lock (an unknown phone counted alike), the password reset, the card login and its
card account, binding a phone, real-name binding and the token-version rule, and the registry
import's taking back of an unproved claim (logic/claim_recheck.py), the accounts in the in-memory
repository (held to the same contract as DynamoDB's by tests/integration/test_account_repository.py).
The aggregates that have no repository yet (SMS codes, captchas, the address gate's windows, the
registry's cards) are stand-ins set on their modules for each test; the login's address caps and
storms have their own tests on the emulator (tests/integration/test_lock_the_attacker.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from support import unique_id_number, unique_phone

from pensioncert import passwords, tokens
from pensioncert.clock import FakeClock
from pensioncert.dal import limits
from pensioncert.errors import ID_PROVED_BY_ANOTHER_ACCOUNT, AppError, ErrorCode
from pensioncert.logic import accounts, address_gate, claim_recheck
from pensioncert.pii import PiiVault
from pensioncert.repositories.accounts import CARD, Account, IdClaim, InMemoryAccounts
from pensioncert.rules.lockout import LockState
from pensioncert.services import Services
from pensioncert.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
PASSWORD, NEW_PASSWORD = "Shaanxi2026ok", "Fresh2026pass"
PIN = "135791"
CLIENT = "203.0.113.7"


@pytest.fixture
def world(monkeypatch):
    """A Services on the in-memory accounts (``store``); ``codes`` the SMS codes used, ``cards`` the
    registry's cards by ID key (a stand-in: ``get_card`` and its PIN counter)."""
    svc = Services(settings=Settings(pii_key="k" * 32, token_secret="t" * 64), vault=PiiVault("k" * 32),
                   clock=FakeClock(NOW), accounts=InMemoryAccounts())
    state = SimpleNamespace(svc=svc, store=svc.accounts, codes=[], cards={})
    monkeypatch.setattr(accounts, "use_sms_code", lambda svc, *, phone, purpose, code: state.codes.append(
        (phone, purpose, code)))
    monkeypatch.setattr(address_gate, "enter", lambda cap, client, account, now: address_gate.Pass(
        cap, client, limits.Taken(slot=0, at=now, left=9)))
    monkeypatch.setattr(address_gate, "succeeded", lambda gate: None)

    def record_card_failure(card, policy, now):
        after = policy.after_failure(LockState(card.failed_attempts, card.locked_until), now)
        card.failed_attempts, card.locked_until = after.failed_attempts, after.locked_until
        return after

    def record_card_success(card, now):
        if card.locked_until is None or card.locked_until <= now:
            card.failed_attempts, card.locked_until = 0, None
        return LockState(card.failed_attempts, card.locked_until)

    monkeypatch.setattr(accounts.registry, "get_card", lambda id_key, today=None: state.cards.get(id_key))
    monkeypatch.setattr(accounts.registry, "record_card_failure", record_card_failure)
    monkeypatch.setattr(accounts.registry, "record_card_success", record_card_success)
    return state


def register(world, phone: str, id_number: str | None = None, name: str = "周国庆") -> str:
    return accounts.register(world.svc, phone=phone, sms_code="123456", name=name,
                             id_number=id_number or unique_id_number(1958), password=PASSWORD,
                             password_confirm=PASSWORD)["user_id"]


def login(world, phone: str, password: str = PASSWORD) -> dict:
    return accounts.login(world.svc, phone=phone, password=password, client=CLIENT)


def raised(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def stored(world, user_id: str) -> Account:
    account = world.store.get(user_id, consistent=True)
    assert account is not None
    return account


def session_of(world, response: dict) -> tokens.Session:
    return tokens.verify(world.svc.token_secret, response["token"], world.svc.clock.now())


def a_card(world, id_number: str, name: str = "周国庆", status: str = "activated"):
    key = world.svc.vault.lookup("id", id_number)
    card = SimpleNamespace(id_key=key, name=name, card_status=status, failed_attempts=0, locked_until=None,
                           pin_hash=passwords.hash_secret(world.svc.settings, PIN))
    world.cards[key] = card
    return card


# Registering

def test_registering_makes_an_unverified_phone_account_and_claims_no_id_number(world):
    phone, id_number = unique_phone(), unique_id_number(1958)
    user_id = register(world, phone, id_number)
    account = stored(world, user_id)
    vault = world.svc.vault
    assert (account.phone_key, account.id_key, account.name, account.created_by) == (
        vault.lookup("phone", phone), vault.lookup("id", id_number), "周国庆", "phone")
    assert (account.real_name_verified, account.token_version, account.created_at) == (False, 0, NOW)
    assert vault.open(account.phone_sealed or "") == phone and vault.open(account.id_sealed) == id_number
    assert world.store.phone_is_registered(vault.lookup("phone", phone))
    assert world.store.id_claim(account.id_key) is None
    assert world.codes == [(phone, "register", "123456")]


def test_a_phone_registered_twice_is_refused_with_the_contracts_409(world):
    phone = unique_phone()
    register(world, phone)
    error = raised(lambda: register(world, phone))
    assert (error.code, error.status, error.message) == (
        ErrorCode.PHONE_ALREADY_REGISTERED, 409, ErrorCode.PHONE_ALREADY_REGISTERED.message)


# The phone login and its lock

def test_a_right_password_signs_in_and_clears_the_count(world):
    phone = unique_phone()
    user_id = register(world, phone)
    assert raised(lambda: login(world, phone, "Wrong2026x")).extra == {"attempts_left": 2}
    response = login(world, phone)
    assert response["user"] == {"user_id": user_id, "name": "周国庆", "real_name_verified": False}
    assert accounts.signed_in_account(world.svc, session_of(world, response)) == stored(world, user_id)
    account = stored(world, user_id)
    assert (account.lock_state, account.failure_sources, account.last_login_at) == (LockState(0, None), frozenset(), NOW)


def test_three_wrong_passwords_lock_the_account_and_end_its_tokens(world):
    phone = unique_phone()
    user_id = register(world, phone)
    token = session_of(world, login(world, phone))
    assert [raised(lambda: login(world, phone, "Wrong2026x")).extra.get("attempts_left") for _ in range(2)] == [2, 1]
    locked = raised(lambda: login(world, phone, "Wrong2026x"))
    assert (locked.code, locked.status) == (ErrorCode.ACCOUNT_LOCKED, 423)
    assert raised(lambda: login(world, phone)).code == ErrorCode.ACCOUNT_LOCKED  # the right one too
    assert stored(world, user_id).token_version == 1
    assert raised(lambda: accounts.signed_in_account(world.svc, token)).code == ErrorCode.UNAUTHENTICATED


def test_a_phone_without_an_account_answers_as_one_with_an_account(world):
    phone = unique_phone()
    answers = [raised(lambda: login(world, phone, "Wrong2026x")) for _ in range(3)]
    assert [(error.code, error.extra.get("attempts_left")) for error in answers[:2]] == [
        (ErrorCode.LOGIN_FAILED, 2), (ErrorCode.LOGIN_FAILED, 1)]
    assert answers[2].code == ErrorCode.ACCOUNT_LOCKED
    count = world.store.unknown_phone_count(world.svc.vault.lookup("phone", phone), NOW)
    assert count.lock_state == LockState(3, NOW + timedelta(hours=24))


# The password reset

def test_a_reset_lifts_the_lock_and_ends_earlier_tokens(world):
    phone = unique_phone()
    user_id = register(world, phone)
    token = session_of(world, login(world, phone))
    for _ in range(3):
        raised(lambda: login(world, phone, "Wrong2026x"))
    assert accounts.reset_password(world.svc, phone=phone, sms_code="654321", new_password=NEW_PASSWORD,
                                   new_password_confirm=NEW_PASSWORD) == {}
    assert stored(world, user_id).lock_state == LockState(0, None)
    assert raised(lambda: accounts.signed_in_account(world.svc, token)).code == ErrorCode.UNAUTHENTICATED
    assert raised(lambda: login(world, phone)).code == ErrorCode.LOGIN_FAILED
    assert login(world, phone, NEW_PASSWORD)["user"]["user_id"] == user_id


def test_a_reset_of_a_phone_without_an_account_is_refused(world):
    error = raised(lambda: accounts.reset_password(world.svc, phone=unique_phone(), sms_code="654321",
                                                   new_password=NEW_PASSWORD, new_password_confirm=NEW_PASSWORD))
    assert error.code == ErrorCode.PHONE_NOT_REGISTERED


# Real-name binding

def test_binding_verifies_the_account_claims_its_number_and_ends_its_tokens(world):
    phone = unique_phone()
    user_id = register(world, phone)
    token = session_of(world, login(world, phone))
    account = accounts.signed_in_account(world.svc, token)
    assert accounts.complete_binding(world.svc, account, proved_with="registry_photo") == {"real_name_verified": True}
    after = stored(world, user_id)
    assert (after.real_name_verified, after.token_version) == (True, 1)
    assert world.store.id_claim(after.id_key) == IdClaim(user_id, proved=True, proved_with="registry_photo")
    assert raised(lambda: accounts.signed_in_account(world.svc, token)).code == ErrorCode.UNAUTHENTICATED
    assert login(world, phone)["user"]["real_name_verified"] is True


def test_a_number_another_account_proved_is_refused_with_the_same_409(world):
    id_number = unique_id_number(1958)
    first = stored(world, register(world, unique_phone(), id_number))
    accounts.complete_binding(world.svc, first, proved_with="registry_photo")
    second = stored(world, register(world, unique_phone(), id_number))
    error = raised(lambda: accounts.complete_binding(world.svc, second, proved_with="registry_photo"))
    assert (error.code, error.status, error.message) == (
        ErrorCode.ID_NUMBER_ALREADY_REGISTERED, 409, ID_PROVED_BY_ANOTHER_ACCOUNT)
    assert stored(world, second.user_id) == second


# The card login

def test_a_first_card_login_makes_a_card_account_with_the_id_claim(world):
    id_number = unique_id_number(1950)
    a_card(world, id_number, name="李秀英")
    first = accounts.card_login(world.svc, id_number=id_number, card_password=PIN, client=CLIENT)
    assert first["user"]["real_name_verified"] is True and first["phone_bound"] is False
    account = stored(world, first["user"]["user_id"])
    assert (account.created_by, account.name, account.phone_key) == ("card", "李秀英", None)
    assert world.store.id_claim(account.id_key) == IdClaim(account.user_id, proved=True, proved_with=CARD)
    again = accounts.card_login(world.svc, id_number=id_number, card_password=PIN, client=CLIENT)
    assert again["user"]["user_id"] == account.user_id


def test_a_card_login_goes_to_the_account_that_proved_the_number(world):
    id_number, phone = unique_id_number(1950), unique_phone()
    user_id = register(world, phone, id_number)
    accounts.complete_binding(world.svc, stored(world, user_id), proved_with="registry_photo")
    a_card(world, id_number)
    response = accounts.card_login(world.svc, id_number=id_number, card_password=PIN, client=CLIENT)
    assert response["user"]["user_id"] == user_id and response["phone_bound"] is True


def test_wrong_pins_count_on_the_card_not_on_an_account(world):
    id_number = unique_id_number(1950)
    card = a_card(world, id_number)
    error = raised(lambda: accounts.card_login(world.svc, id_number=id_number, card_password="000000", client=CLIENT))
    assert (error.code, error.extra) == (ErrorCode.CARD_LOGIN_FAILED, {"attempts_left": 2})
    assert card.failed_attempts == 1 and world.store.find_by_id_key(card.id_key) is None


def test_a_card_account_binds_a_phone_to_hear_on(world):
    id_number, phone = unique_id_number(1950), unique_phone()
    a_card(world, id_number)
    token = session_of(world, accounts.card_login(world.svc, id_number=id_number, card_password=PIN, client=CLIENT))
    account = accounts.signed_in_account(world.svc, token)
    assert accounts.bind_phone(world.svc, account, phone=phone, sms_code="111111") == {"phone_bound": True}
    after = stored(world, account.user_id)
    assert after.bound_phone_key == world.svc.vault.lookup("phone", phone) and after.phone_key is None
    assert accounts.card_login(world.svc, id_number=id_number, card_password=PIN, client=CLIENT)["phone_bound"] is True


# The registry import's re-check of a claim

def test_a_claim_no_trusted_face_proved_is_taken_back_at_the_first_import(world):
    id_number, phone = unique_id_number(1949), unique_phone()
    user_id = register(world, phone, id_number)
    world.store.bind_real_name(stored(world, user_id))  # as the previous version's binding stored it
    key = world.svc.vault.lookup("id", id_number)
    taken_back = claim_recheck.on_first_import(world.svc, key, name="李占位", id_number=id_number, region="西安市",
                                               actor="import", actor_name="导入")
    assert taken_back is True
    assert world.store.id_claim(key) is None and stored(world, user_id).real_name_verified is False
    assert [event["action"] for event in world.store.audit] == ["claim_revoked"]
    assert claim_recheck.on_first_import(world.svc, key, name="李占位", id_number=id_number, region="西安市",
                                         actor="import", actor_name="导入") is False
