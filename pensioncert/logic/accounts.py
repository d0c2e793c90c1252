"""Registering, logging in (phone or social-security card), resetting a password, binding a phone."""
from __future__ import annotations

import secrets

from pensioncert import normalize, passwords, tokens
from pensioncert.clock import beijing_date, iso_beijing
from pensioncert.dal import accounts, registry
from pensioncert.dal.tables import AccountTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.sms_code import use_sms_code
from pensioncert.observability import record_metric


def register(svc, *, phone: str, sms_code: str, name: str, id_number: str, password: str,
             password_confirm: str) -> dict:
    number = normalize.phone(phone)
    person_name = normalize.name(name)
    person_id = normalize.id_number(id_number)
    passwords.check_pair(password, password_confirm)
    passwords.check_strength(password, phone=number, birth_date=normalize.birth_date_digits(person_id))
    # Everything the user could still correct is checked before the single-use code is spent.
    use_sms_code(svc, phone=number, purpose="register", code=sms_code)
    vault = svc.vault
    account = AccountTable(
        new_user_id(),
        phone_key=vault.lookup("phone", number),
        phone_sealed=vault.seal(number),
        id_key=vault.lookup("id", person_id),
        id_sealed=vault.seal(person_id),
        name=person_name,
        password_hash=passwords.hash_secret(svc.settings, password),
        created_by="phone",
        real_name_verified=False,
        failed_attempts=0,
        created_at=svc.clock.now(),
    )
    accounts.create(account)
    return {"user_id": account.user_id}


def login(svc, *, phone: str, password: str) -> dict:
    number = normalize.phone(phone)
    now = svc.clock.now()
    policy = svc.lockout
    account = accounts.find_by_phone(svc.vault.lookup("phone", number))
    if account is None:
        passwords.verify_secret(svc.settings, None, password)
        raise AppError(ErrorCode.LOGIN_FAILED, attempts_left=policy.max_failures)
    _refuse_if_locked(policy, accounts.lock_state_of(account), now)
    if not passwords.verify_secret(svc.settings, account.password_hash, password):
        _fail(policy, accounts.record_login_failure(account, policy, now), ErrorCode.LOGIN_FAILED, now)
    _refuse_if_locked(policy, accounts.record_login_success(account, now), now)
    return session_response(svc, account, "phone")


def card_login(svc, *, id_number: str, card_password: str) -> dict:
    person_id = normalize.id_number(id_number)
    now = svc.clock.now()
    policy = svc.lockout
    id_key = svc.vault.lookup("id", person_id)
    # The card current today: an ID-number correction moves it to the right number at midnight.
    card = registry.get_card(id_key, beijing_date(now))
    if card is None:
        raise AppError(ErrorCode.NOT_FOUND)
    if card.card_status != "activated":
        raise AppError(ErrorCode.CARD_NOT_ACTIVATED)
    _refuse_if_locked(policy, accounts.lock_state_of(card), now)
    if not passwords.verify_secret(svc.settings, card.pin_hash, card_password):
        _fail(policy, registry.record_card_failure(card, policy, now), ErrorCode.CARD_LOGIN_FAILED, now)
    _refuse_if_locked(policy, registry.record_card_success(card, now), now)
    account = accounts.find_by_id_key(id_key) or _create_card_account(svc, card, person_id, id_key)
    response = session_response(svc, account, "card")
    response["phone_bound"] = bool(account.phone_key or account.bound_phone_key)
    return response


def reset_password(svc, *, phone: str, sms_code: str, new_password: str,
                   new_password_confirm: str) -> dict:
    number = normalize.phone(phone)
    passwords.check_pair(new_password, new_password_confirm)
    account = accounts.find_by_phone(svc.vault.lookup("phone", number))
    birth = normalize.birth_date_digits(svc.vault.open(account.id_sealed)) if account else None
    passwords.check_strength(new_password, phone=number, birth_date=birth)
    use_sms_code(svc, phone=number, purpose="reset_password", code=sms_code)
    if account is None:
        raise AppError(ErrorCode.PHONE_NOT_REGISTERED)
    accounts.reset_password(account, passwords.hash_secret(svc.settings, new_password))
    return {}


def bind_phone(svc, account: AccountTable, *, phone: str, sms_code: str) -> dict:
    number = normalize.phone(phone)
    use_sms_code(svc, phone=number, purpose="bind_phone", code=sms_code)
    accounts.bind_phone(account, svc.vault.lookup("phone", number), svc.vault.seal(number))
    return {"phone_bound": True}


def session_response(svc, account: AccountTable, login_method: str) -> dict:
    ttl = svc.settings.token_ttl_seconds
    token = tokens.issue(
        svc.token_secret, tokens.Session(account.user_id, login_method), svc.clock.now(), ttl
    )
    return {
        "token": token,
        "expires_in": ttl,
        "user": {
            "user_id": account.user_id,
            "name": account.name,
            "real_name_verified": is_real_name_verified(account, login_method),
        },
    }


def is_real_name_verified(account: AccountTable, login_method: str) -> bool:
    """Card holders proved who they are with the card; phone accounts by real-name binding."""
    return login_method == "card" or bool(account.real_name_verified)


def new_user_id() -> str:
    return "u_" + secrets.token_hex(12)


def _create_card_account(svc, card, person_id: str, id_key: str) -> AccountTable:
    account = AccountTable(
        new_user_id(),
        id_key=id_key,
        id_sealed=svc.vault.seal(person_id),
        name=card.name,
        created_by="card",
        real_name_verified=False,
        failed_attempts=0,
        created_at=svc.clock.now(),
    )
    try:
        accounts.create(account)
    except AppError:
        # A concurrent first login of the same card created it a moment ago.
        existing = accounts.find_by_id_key(id_key)
        if existing is None:
            raise
        return existing
    return account


def _refuse_if_locked(policy, state, now) -> None:
    if policy.is_locked(state, now):
        raise AppError(ErrorCode.ACCOUNT_LOCKED, unlock_at=iso_beijing(state.locked_until))


def _fail(policy, state, code: ErrorCode, now) -> None:
    if policy.is_locked(state, now):  # this failure locked it
        record_metric("AccountLocked", login="card" if code is ErrorCode.CARD_LOGIN_FAILED else "phone")
    _refuse_if_locked(policy, state, now)
    raise AppError(code, attempts_left=policy.attempts_left(state))
