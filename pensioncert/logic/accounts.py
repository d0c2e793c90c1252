"""Registering, logging in (phone or social-security card), resetting a password, binding a phone,
and the token rule every authenticated call goes through.

Anti-probing rules (contract v1.1, "No probing"):
- Registration reserves no ID number and never says whether one is known; the ID number is
  claimed when real-name binding succeeds (``complete_binding``).
- Login answers a phone number without an account exactly like one with an account: the same
  LOGIN_FAILED with ``attempts_left`` counted per phone number (a counter item of its own), the
  same 423 at the 3rd failure, and one argon2 computation on the same path.
- A password reset spends the SMS code before it answers anything about the account.
- Card login, per ID number: 3 consecutive wrong PINs lock that card's login for 24 hours (staff
  can unlock it at once, audited). Per client (the source address API Gateway reports): at most
  ``card_login_failures_per_client_hour`` unsuccessful card logins (wrong PIN, unknown person,
  card not activated, locked) in any rolling hour, across all ID numbers; past that the client
  gets 429 LOGIN_RATE_LIMITED before any card is looked at, so its guesses no longer count on
  any card. With the default of 10, one address can lock at most 3 cards an hour.
"""
from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, NoReturn

from pensioncert import normalize, passwords, tokens
from pensioncert.clock import BEIJING, beijing_date, iso_beijing
from pensioncert.dal import registry
from pensioncert.errors import (
    ACCOUNT_LOCKED_CARD,
    ACCOUNT_LOCKED_PHONE,
    CARD_PIN_MALFORMED,
    ID_PROVED_BY_ANOTHER_ACCOUNT,
    LOGIN_CAPTCHA_REQUIRED,
    PHONE_LOGIN_RATE_LIMITED,
    RESET_CODE_SPENT,
    AppError,
    ErrorCode,
)
from pensioncert.logic import address_gate
from pensioncert.logic.captcha import use_captcha
from pensioncert.logic.sms_code import use_sms_code
from pensioncert.observability import LOGIN_STORM, logger, record_metric
from pensioncert.repositories.accounts import Account, IdNumberProvedElsewhere, PhoneTaken, UnknownPhoneCount
from pensioncert.rules.lockout import LockState

if TYPE_CHECKING:
    from pensioncert.services import Services

CARD_PIN = re.compile(r"\d{6}")


def register(svc: Services, *, phone: str, sms_code: str, name: str, id_number: str, password: str,
             password_confirm: str) -> dict:
    number = normalize.phone(phone)
    person_name = normalize.name(name)
    person_id = normalize.id_number(id_number)
    passwords.check_pair(password, password_confirm)
    passwords.check_strength(password, phone=number, birth_date=normalize.birth_date_digits(person_id))
    # Everything the user could still correct is checked before the single-use code is spent.
    use_sms_code(svc, phone=number, purpose="register", code=sms_code)
    vault = svc.vault
    account = Account(
        new_user_id(),
        phone_key=vault.lookup("phone", number),
        phone_sealed=vault.seal(number),
        id_key=vault.lookup("id", person_id),
        id_sealed=vault.seal(person_id),
        name=person_name,
        created_by="phone",
        real_name_verified=False,
        failed_attempts=0,
        token_version=0,
        created_at=svc.clock.now(),
    )
    try:
        # the phone claim only: the ID number is claimed by proof
        svc.accounts.create(account, passwords.hash_secret(svc.settings, password))
    except PhoneTaken:
        raise AppError(ErrorCode.PHONE_ALREADY_REGISTERED) from None
    return {"user_id": account.user_id}


def login_policy(svc: Services) -> dict:
    """The lockout's numbers as the login screens state them before anyone types (v1.4): the page
    shows what the API enforces, not a copy of it."""
    return {"max_failures": svc.lockout.max_failures, "lock_hours": _hours(svc.lockout)}


def login(svc: Services, *, phone: str, password: str, client: str | None = None,
          captcha_id: str = "", captcha_answer: str = "") -> dict:
    """``client``: the caller's source address. ``captcha_*``: needed only during a storm (see
    ``_require_captcha_in_storm``)."""
    number = normalize.phone(phone)
    now = svc.clock.now()
    policy = svc.lockout
    phone_key = svc.vault.lookup("phone", number)
    source = client_tag(svc, client)
    gate = address_gate.enter(phone_cap(svc.settings), source, phone_key, int(now.timestamp()))
    if gate is None:
        record_metric("LoginRateLimited", login="phone")
        raise AppError(ErrorCode.LOGIN_RATE_LIMITED, PHONE_LOGIN_RATE_LIMITED)
    credentials = svc.accounts.credentials_by_phone(phone_key)
    item: Account | UnknownPhoneCount = (credentials.account if credentials is not None
                                         else svc.accounts.unknown_phone_count(phone_key, now))
    _refuse_if_locked(policy, item.lock_state, now)
    _require_captcha_in_storm(svc, item, source, captcha_id, captcha_answer, now)
    if credentials is None:
        assert isinstance(item, UnknownPhoneCount)
        _unknown_phone_login(svc, phone_key, item, password, now, gate, source)
    account = credentials.account
    if not passwords.verify_secret(svc.settings, credentials.password_hash, password):
        _refuse_past_cap(gate)
        _alert_if_storm_starts(svc, item, source, now)
        _fail(policy, svc.accounts.record_login_failure(account, policy, now, source), ErrorCode.LOGIN_FAILED, now)
    address_gate.succeeded(gate)
    account = svc.accounts.record_login_success(account, now)
    _refuse_if_locked(policy, account.lock_state, now)
    return session_response(svc, account, "phone")


def _unknown_phone_login(svc: Services, phone_key: str, counter: UnknownPhoneCount, password: str, now, gate,
                         source: str) -> NoReturn:
    """The known-phone path step for step (lock check, captcha, one argon2 computation, a counted
    failure), on a counter of the phone number itself. Always raises."""
    policy = svc.lockout
    passwords.verify_secret(svc.settings, None, password)
    _refuse_past_cap(gate)
    _alert_if_storm_starts(svc, counter, source, now)
    _fail(policy, svc.accounts.record_unknown_phone_failure(phone_key, counter, policy, now, source),
          ErrorCode.LOGIN_FAILED, now, login="unknown_phone")


def _require_captcha_in_storm(svc: Services, item: Account | UnknownPhoneCount, source: str, captcha_id: str, answer: str, now) -> None:
    """A wrong-password storm (the count came from several addresses, ``LockoutPolicy.needs_captcha``,
    counting this one): the try needs a solved captcha, else ``400 CAPTCHA_INVALID`` with
    ``"captcha_required": true`` and the password is not even checked. The contract's login has no
    captcha field: the body may carry ``captcha_id`` and ``captcha_answer`` (extra fields are ours)
    and the refusal is the contract's own captcha code."""
    sources = item.failure_sources
    if not svc.lockout.needs_captcha(item.lock_state, sources | {source}, now):
        return
    try:
        use_captcha(svc, captcha_id, answer)
    except AppError:
        raise AppError(ErrorCode.CAPTCHA_INVALID, LOGIN_CAPTCHA_REQUIRED, captcha_required=True) from None


def _alert_if_storm_starts(svc: Services, item: Account | UnknownPhoneCount, source: str, now) -> None:
    """The failure about to be counted turns the count into a storm: alert the agency (metric
    ``LoginStorm``, alarmed on like ``AccountLocked``; the log names no phone)."""
    policy = svc.lockout
    state, sources = item.lock_state, item.failure_sources
    after = policy.after_failure(state, now)
    if policy.needs_captcha(after, sources | {source}, now) and not policy.needs_captcha(state, sources, now):
        record_metric(LOGIN_STORM, login="phone")
        logger.warning("wrong passwords for one login from several addresses: captcha required",
                       extra={"addresses": len(sources | {source}), "failures": after.failed_attempts})


def _refuse_past_cap(gate: address_gate.Pass) -> None:
    """A wrong credential on an address's one try past its cap counts on no account: 429."""
    if not gate.counted:
        record_metric("LoginRateLimited", login=gate.cap.name)
        message = PHONE_LOGIN_RATE_LIMITED if gate.cap.name == "phone-login" else None
        raise AppError(ErrorCode.LOGIN_RATE_LIMITED, message)


def client_tag(svc: Services, client: str | None) -> str:
    """A keyed hash of the caller's address: what per-address counters are kept under."""
    return svc.vault.lookup("client", client or "unknown")


def phone_cap(settings) -> address_gate.AddressCap:
    return address_gate.AddressCap("phone-login", settings.phone_login_failures_per_client_hour)


def card_cap(settings) -> address_gate.AddressCap:
    return address_gate.AddressCap("card-login", settings.card_login_failures_per_client_hour)


def card_login(svc: Services, *, id_number: str, card_password: str, client: str | None) -> dict:
    """``client``: the caller's source address (the request context's ``sourceIp``)."""
    person_id = normalize.id_number(id_number)
    pin = card_pin(card_password)
    now = svc.clock.now()
    id_key = svc.vault.lookup("id", person_id)
    gate = address_gate.enter(card_cap(svc.settings), client_tag(svc, client), id_key, int(now.timestamp()))
    if gate is None:
        record_metric("CardLoginRateLimited")
        raise AppError(ErrorCode.LOGIN_RATE_LIMITED)
    account = _card_account(svc, person_id, pin, now, gate)  # a refusal keeps the slot taken
    address_gate.succeeded(gate)
    response = session_response(svc, account, "card")
    response["phone_bound"] = bool(account.phone_key or account.bound_phone_key)
    return response


def card_pin(raw: str) -> str:
    """The PIN as the registry import stores it (NFKC: full-width digits; spaces dropped). A PIN
    that cannot be 6 digits is a typing slip, refused without counting against the card."""
    pin = re.sub(r"\s+", "", normalize.nfkc(raw))
    if not CARD_PIN.fullmatch(pin):
        raise AppError(ErrorCode.BAD_REQUEST, CARD_PIN_MALFORMED, field="card_password")
    return pin


def _card_account(svc: Services, person_id: str, pin: str, now, gate: address_gate.Pass) -> Account:
    policy = svc.lockout
    id_key = svc.vault.lookup("id", person_id)
    # The card current today: an ID-number correction moves it to the right number at midnight.
    card = registry.get_card(id_key, beijing_date(now))
    if card is None:
        raise AppError(ErrorCode.NOT_FOUND)
    if card.card_status != "activated":
        raise AppError(ErrorCode.CARD_NOT_ACTIVATED)
    _refuse_if_card_locked(policy, _card_lock_state(card), now)
    if not passwords.verify_secret(svc.settings, card.pin_hash, pin):
        _refuse_past_cap(gate)
        state = registry.record_card_failure(card, policy, now)
        if policy.is_locked(state, now):
            # The lock stops card logins only: wrong PINs typed by whoever knows the ID number say
            # nothing about the owner's open sessions, so they are not ended (issue 19, finding 6).
            record_metric("AccountLocked", login="card")
            _refuse_if_card_locked(policy, state, now)
        raise AppError(ErrorCode.CARD_LOGIN_FAILED, attempts_left=policy.attempts_left(state))
    _refuse_if_card_locked(policy, registry.record_card_success(card, now), now)
    # The account that proved this ID number (binding or an earlier card login), else one of the
    # card's own, named from the registry: never an account that only typed the number.
    return svc.accounts.find_by_id_key(id_key) or _create_card_account(svc, card, person_id, id_key)


def _card_lock_state(card) -> LockState:
    """A card's count of wrong PINs as read from the registry (dal/lock_counter's counter)."""
    return LockState(failed_attempts=card.failed_attempts or 0, locked_until=card.locked_until)


def reset_password(svc: Services, *, phone: str, sms_code: str, new_password: str,
                   new_password_confirm: str) -> dict:
    number = normalize.phone(phone)
    # The code first: without it nothing is said about the phone or its holder's birth date.
    use_sms_code(svc, phone=number, purpose="reset_password", code=sms_code)
    account = svc.accounts.find_by_phone(svc.vault.lookup("phone", number))
    if account is None:
        raise AppError(ErrorCode.PHONE_NOT_REGISTERED)
    birth = normalize.birth_date_digits(svc.vault.open(account.id_sealed))
    try:
        passwords.check_pair(new_password, new_password_confirm)
        passwords.check_strength(new_password, phone=number, birth_date=birth)
    except AppError as error:
        raise AppError(error.code, error.message + RESET_CODE_SPENT) from None
    svc.accounts.reset_password(account, passwords.hash_secret(svc.settings, new_password))
    return {}


def bind_phone(svc: Services, account: Account, *, phone: str, sms_code: str) -> dict:
    number = normalize.phone(phone)
    use_sms_code(svc, phone=number, purpose="bind_phone", code=sms_code)
    svc.accounts.bind_phone(account, svc.vault.lookup("phone", number), svc.vault.seal(number))
    return {"phone_bound": True}


def complete_binding(svc: Services, account: Account, *, reference_embedding: list[float] | None = None,
                     proved_with: str | None = None) -> dict:
    """Real-name binding passed: claim the ID number for this account (409 if another account
    proved it first) and end its earlier tokens: the app logs in again, as a verified account.
    ``proved_with``: the trusted reference the face matched (kept on the claim: registry import
    re-checks claims that no trusted face proved)."""
    try:
        svc.accounts.bind_real_name(account, reference_embedding=reference_embedding, proved_with=proved_with)
    except IdNumberProvedElsewhere:
        raise AppError(ErrorCode.ID_NUMBER_ALREADY_REGISTERED, ID_PROVED_BY_ANOTHER_ACCOUNT) from None
    return {"real_name_verified": True}


def signed_in_account(svc: Services, session: tokens.Session) -> Account:
    """The account a verified token speaks for, if the token is still current.

    The one place of the token-version rule. Cost: the one GetItem on the account that the call
    needs anyway, strongly consistent so that a reset or lock is seen at once (1 read unit for an
    item under 4 KB instead of 0.5); no other DynamoDB call.
    """
    account = svc.accounts.get(session.user_id, consistent=True)
    if account is None or account.token_version != session.token_version:
        raise AppError(ErrorCode.UNAUTHENTICATED)
    return account


def session_response(svc: Services, account: Account, login_method: str) -> dict:
    ttl = svc.settings.token_ttl_seconds
    session = tokens.Session(account.user_id, login_method, int(getattr(account, "token_version", 0) or 0))
    token = tokens.issue(svc.token_secret, session, svc.clock.now(), ttl)
    return {
        "token": token,
        "expires_in": ttl,
        "user": {
            "user_id": account.user_id,
            "name": account.name,
            "real_name_verified": is_real_name_verified(account, login_method),
        },
    }


def is_real_name_verified(account: Account, login_method: str) -> bool:
    """Card holders proved who they are with the card; phone accounts by real-name binding."""
    return login_method == "card" or bool(account.real_name_verified)


def new_user_id() -> str:
    return "u_" + secrets.token_hex(12)


def _create_card_account(svc: Services, card, person_id: str, id_key: str) -> Account:
    account = Account(
        new_user_id(),
        id_key=id_key,
        id_sealed=svc.vault.seal(person_id),
        name=card.name,
        created_by="card",
        real_name_verified=False,
        failed_attempts=0,
        token_version=0,
        created_at=svc.clock.now(),
    )
    try:
        svc.accounts.create(account, claim_id=True)
    except IdNumberProvedElsewhere:
        # A concurrent first login of the same card (or a binding) proved the number a moment ago.
        existing = svc.accounts.find_by_id_key(id_key)
        if existing is None:
            raise AppError(ErrorCode.ID_NUMBER_ALREADY_REGISTERED, ID_PROVED_BY_ANOTHER_ACCOUNT) from None
        return existing
    return account


def _refuse_if_locked(policy, state, now) -> None:
    if policy.is_locked(state, now):
        message = ACCOUNT_LOCKED_PHONE.format(failures=policy.max_failures, hours=_hours(policy))
        raise AppError(ErrorCode.ACCOUNT_LOCKED, message, unlock_at=iso_beijing(state.locked_until))


def _refuse_if_card_locked(policy, state, now) -> None:
    """The card's 423 says how its lock ends: a password reset does not touch it."""
    if policy.is_locked(state, now):
        until = state.locked_until.astimezone(BEIJING)
        message = ACCOUNT_LOCKED_CARD.format(failures=policy.max_failures, hours=_hours(policy), month=until.month,
                                             day=until.day, time=f"{until:%H:%M}")
        raise AppError(ErrorCode.ACCOUNT_LOCKED, message, unlock_at=iso_beijing(state.locked_until))


def _hours(policy) -> int:
    return int(policy.lock_duration.total_seconds() // 3600)


def _fail(policy, state, code: ErrorCode, now, login: str = "phone") -> NoReturn:
    if policy.is_locked(state, now):  # this failure locked it
        record_metric("AccountLocked", login=login)
    _refuse_if_locked(policy, state, now)
    raise AppError(code, attempts_left=policy.attempts_left(state))
