"""App accounts as staff see them: find by phone or ID number, lock state, unlock."""
from __future__ import annotations

import re

from pensioncert import normalize
from pensioncert.admin import audit, labels
from pensioncert.admin.staff import require_region, require_staff
from pensioncert.clock import BEIJING
from pensioncert.dal import accounts, certifications, registry
from pensioncert.dal.tables import AccountTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.rules.certification import certification_year

NOT_FOUND = "没有找到此手机号码或身份证号码注册的APP账户"


def find(svc, principal, query: str) -> dict:
    principal = require_staff(principal)
    account = _account_for(svc, query)
    region = _region(account)
    require_region(principal, region)
    now = svc.clock.now()
    policy = svc.lockout
    state = accounts.lock_state_of(account)
    locked = policy.is_locked(state, now)
    year = certification_year(now)
    attempt = [a for a in certifications.attempts(account.id_key) if int(a.year) == year]
    return {
        "user_id": account.user_id, "name": account.name,
        "phone": normalize.mask_phone(svc.vault.open(account.phone_sealed)) if account.phone_sealed else "（社保卡登录账户）",
        "id_masked": normalize.mask_id_number(svc.vault.open(account.id_sealed)),
        "region": region or "", "created_by": "手机号码注册" if account.created_by == "phone" else "社保卡登录",
        "real_name_verified": bool(account.real_name_verified),
        "locked": locked,
        "locked_until": account.locked_until.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if locked else "",
        "failed_logins": policy.failures_so_far(state, now),
        "last_login": account.last_login_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        if account.last_login_at else "",
        "cert_failures": int(attempt[0].failed or 0) if attempt else 0,
        "cert_last_reason": labels.FAILURE_REASONS.get(attempt[0].last_reason or "", attempt[0].last_reason or "")
        if attempt else "",
    }


def unlock(svc, principal, user_id: str, reason: str) -> None:
    principal = require_staff(principal)
    account = accounts.get(user_id) if user_id else None
    if account is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    region = _region(account)
    require_region(principal, region)
    text = normalize.nfkc(reason or "")
    if not text or len(text) > 200:
        raise AppError(ErrorCode.BAD_REQUEST, labels.REASON_REQUIRED)
    before = {"连续输错次数": int(account.failed_attempts or 0),
              "锁定至": account.locked_until.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
              if account.locked_until else ""}
    from pensioncert.dal import lock_counter

    lock_counter.clear(AccountTable, account)
    audit.record(svc, principal, "account_unlock",
                 target=f"{account.name} {normalize.mask_id_number(svc.vault.open(account.id_sealed))}",
                 region=region, before=before, after={"连续输错次数": 0, "锁定至": ""}, reason=text)


def _account_for(svc, query: str) -> AccountTable:
    text = re.sub(r"[\s\-]", "", normalize.nfkc(query or ""))
    if re.fullmatch(r"(\+?86)?1\d{10}", text):
        account = accounts.find_by_phone(svc.vault.lookup("phone", normalize.phone(text)))
    elif len(text) >= 15:
        account = accounts.find_by_id_key(svc.vault.lookup("id", normalize.id_number(text)))
    else:
        raise AppError(ErrorCode.BAD_REQUEST, "请输入11位手机号码或18位身份证号码")
    if account is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return account


def _region(account: AccountTable) -> str | None:
    person = registry.get_person(account.id_key)
    return person.region if person else None
