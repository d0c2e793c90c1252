"""App accounts and card logins as staff see them: find by phone or ID number, lock states, unlock.

Two locks can keep a retiree out: the account's (3 wrong passwords; a password reset also lifts
it) and the card login's (3 wrong card PINs; only time or staff lift it). Each is shown and
unlocked on its own, with a reason, and audited.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, labels
from pensioncert.admin.principal import require_person_in_scope, require_region, require_staff
from pensioncert.clock import BEIJING, beijing_date
from pensioncert.dal import certifications, lock_counter, registry
from pensioncert.dal.tables import CardTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.repositories.accounts import Account
from pensioncert.rules.certification import certification_year

if TYPE_CHECKING:
    from pensioncert.services import Services

NOT_FOUND = labels.ACCOUNT_NOT_FOUND
CARD_NOT_FOUND = labels.CARD_NOT_FOUND
CARD_STATUS = labels.CARD_STATUS


def find(svc: Services, principal, query: str) -> dict:
    """``{"account": {...} | None, "card": {...} | None}``.

    By phone: that phone's account, and its card if the account proved its ID number. By ID
    number: the account that proved it (never one that only typed it) and the card.
    """
    principal = require_staff(principal)
    account, id_key = _lookup(svc, query)
    card = registry.get_card(id_key, beijing_date(svc.clock.now())) if id_key else None
    if account is None and card is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    require_person_in_scope(principal, _region(account.id_key if account else id_key), NOT_FOUND)
    return {"account": _account_view(svc, account) if account else None,
            "card": _card_view(svc, card) if card else None}


def unlock(svc: Services, principal, user_id: str, reason: str) -> None:
    """Lift the account's lock and clear its count (tokens ended by the lock stay ended)."""
    principal = require_staff(principal)
    account = svc.accounts.get(user_id, consistent=True) if user_id else None
    if account is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    region = _region(account.id_key)
    require_region(principal, region)
    text = _reason(reason)
    before = _lock_facts(account)
    svc.accounts.unlock(account)
    audit.record(svc, principal, "account_unlock",
                 target=f"{account.name} {normalize.mask_id_number(svc.vault.open(account.id_sealed))}",
                 region=region, before=before, after={labels.AUDIT_FAILED_IN_A_ROW: 0, labels.AUDIT_LOCKED_UNTIL: ""}, reason=text)


def unlock_card(svc: Services, principal, id_key: str, reason: str) -> None:
    """Lift the card login's lock (3 wrong PINs), e.g. for a retiree at the counter with card and ID."""
    principal = require_staff(principal)
    card = registry.get_card(id_key) if id_key else None
    person = registry.get_person(id_key) if id_key else None
    if card is None or person is None:
        raise AppError(ErrorCode.NOT_FOUND, CARD_NOT_FOUND)
    require_region(principal, person.region)
    text = _reason(reason)
    before = _lock_facts(card)
    lock_counter.clear(CardTable, card)
    audit.record(svc, principal, "card_unlock",
                 target=f"{person.name} {normalize.mask_id_number(svc.vault.open(person.id_sealed))}",
                 region=person.region, before=before, after={labels.AUDIT_FAILED_IN_A_ROW: 0, labels.AUDIT_LOCKED_UNTIL: ""}, reason=text)


def _account_view(svc: Services, account: Account) -> dict:
    now = svc.clock.now()
    policy = svc.lockout
    state = account.lock_state
    locked = policy.is_locked(state, now)
    year = certification_year(now)
    attempt = [a for a in certifications.attempts(account.id_key) if int(a.year) == year]
    return {
        "user_id": account.user_id, "name": account.name,
        "phone": normalize.mask_phone(svc.vault.open(account.phone_sealed)) if account.phone_sealed else labels.ACCOUNT_WITHOUT_PHONE,
        "id_masked": normalize.mask_id_number(svc.vault.open(account.id_sealed)),
        "region": _region(account.id_key) or "",
        "created_by": labels.ACCOUNT_BY_PHONE if account.created_by == "phone" else labels.ACCOUNT_BY_CARD,
        "real_name_verified": bool(account.real_name_verified) or account.created_by == "card",
        "locked": locked,
        "locked_until": _beijing(account.locked_until) if locked else "",
        "failed_logins": policy.failures_so_far(state, now),
        "last_login": _beijing(account.last_login_at) if account.last_login_at else "",
        "cert_failures": int(attempt[0].failed or 0) if attempt else 0,
        "cert_last_reason": labels.FAILURE_REASONS.get(attempt[0].last_reason or "", attempt[0].last_reason or "")
        if attempt else "",
    }


def _card_view(svc: Services, card: CardTable) -> dict:
    now = svc.clock.now()
    policy = svc.lockout
    state = lock_counter.lock_state_of(card)
    locked = policy.is_locked(state, now)
    return {
        "id_key": card.id_key, "name": card.name,
        "status": CARD_STATUS.get(card.card_status or "", card.card_status),
        "locked": locked,
        "locked_until": _beijing(card.locked_until) if locked else "",
        "failed_pins": policy.failures_so_far(state, now),
    }


def _lookup(svc: Services, query: str) -> tuple[Account | None, str | None]:
    """The account and the ID key whose card to show."""
    text = re.sub(r"[\s\-]", "", normalize.nfkc(query or ""))
    if re.fullmatch(r"(\+?86)?1\d{10}", text):
        account = svc.accounts.find_by_phone(svc.vault.lookup("phone", normalize.phone(text)))
        if account is None:
            raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
        proved = account.created_by == "card" or svc.accounts.proved_by(account.id_key) == account.user_id
        return account, account.id_key if proved else None
    if len(text) >= 15:
        id_key = svc.vault.lookup("id", normalize.id_number(text))
        return svc.accounts.find_by_id_key(id_key), id_key
    raise AppError(ErrorCode.BAD_REQUEST, labels.ACCOUNT_LOOKUP_INVALID)


def _lock_facts(item) -> dict:
    return {labels.AUDIT_FAILED_IN_A_ROW: int(item.failed_attempts or 0),
            labels.AUDIT_LOCKED_UNTIL: _beijing(item.locked_until) if item.locked_until else ""}


def _reason(reason: str) -> str:
    text = normalize.nfkc(reason or "")
    if not text or len(text) > 200:
        raise AppError(ErrorCode.BAD_REQUEST, labels.REASON_REQUIRED)
    return text


def _beijing(moment) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _region(id_key: str | None) -> str | None:
    person = registry.get_person(id_key) if id_key else None
    return person.region if person else None
