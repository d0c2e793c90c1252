"""Staff accounts: login (captcha and capped backoff, never an outsider's lock), server-side sessions,
the principal every service checks, and the provincial administrators' management of accounts."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert import passwords
from pensioncert.admin import audit, labels
from pensioncert.admin.principal import StaffPrincipal, covers, require_province_admin, require_region, require_staff
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import address_gate
from pensioncert.repositories.staff import StaffAccount, StaffCredentials, StaffNotFound, UsernameTaken
from pensioncert.rules.staff_login import StaffLoginPolicy

if TYPE_CHECKING:
    from pensioncert.services import Services


def principal_of(item: StaffAccount) -> StaffPrincipal:
    return StaffPrincipal(item.username, item.display_name, item.role, tuple(item.regions))


def create_staff(svc: Services, *, username: str, display_name: str, role: str, regions: list[str],
                 password: str) -> bool:
    """A staff account (False if the username exists). Operators must have at least one region.
    For the local stage's demo staff and tests; staff create staff with ``add_staff``."""
    if role not in labels.ROLES:
        raise ValueError(f"unknown role {role}")
    if role == labels.ROLE_OPERATOR and not regions:
        raise ValueError("an operator needs at least one region")
    passwords.check_strength(password)
    account = StaffAccount(username, display_name=display_name, role=role, regions=tuple(regions),
                           created_at=svc.clock.now(), active=True, failed_attempts=0)
    try:
        svc.staff.create(account, passwords.hash_secret(svc.settings, password))
    except UsernameTaken:
        return False
    return True


# --- login and sessions -----------------------------------------------------------------------


@dataclass(frozen=True)
class LoginAttempt:
    username: str
    password: str
    client: str | None = None  # the caller's address (the WSGI REMOTE_ADDR; never a header)
    captcha_id: str = ""
    captcha_answer: str = ""


class CaptchaNeeded(AppError):
    """The login form must show a captcha: the account or the client has failed repeatedly."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.LOGIN_FAILED, message)


def login_policy(svc: Services) -> StaffLoginPolicy:
    return StaffLoginPolicy.from_settings(svc.settings)


def login_hint(svc: Services) -> str:
    """What the login asks after wrong passwords, with the numbers ``login`` enforces."""
    policy = login_policy(svc)
    return labels.LOGIN_FORM["hint"].format(captcha_after=policy.captcha_after, backoff_after=policy.backoff_after,
                                            max_minutes=round(policy.max_wait.total_seconds() / 60))


def address_cap(settings) -> address_gate.AddressCap:
    return address_gate.AddressCap("staff-login", settings.staff_login_failures_per_client_hour)


def login(svc: Services, attempt: LoginAttempt) -> StaffPrincipal:
    """Check a staff login. Refusals: 429 when the client address has used its failures of the
    hour and its one try of the hour for this username (``address_gate``: another user's right
    password from the same office address still gets in); ``CaptchaNeeded`` when the account (or
    the client) has failed ``captcha_after`` times and no right captcha came with this try (the
    password is then not even checked, nothing is counted); 423 during a backoff wait of this
    (address, user); 401 for a wrong username or password. Nothing here ends an open session:
    only the account's own holder or an administrator can (``end_sessions``)."""
    now = svc.clock.now()
    policy = login_policy(svc)
    cap = address_cap(svc.settings)
    owner = svc.vault.lookup("client", attempt.client or "unknown")
    username = (attempt.username or "").strip()[:64]
    user_key = svc.vault.lookup("staff-user", username)
    if address_gate.refused_outright(cap, owner, user_key, int(now.timestamp())):
        raise AppError(ErrorCode.LOGIN_RATE_LIMITED, labels.STAFF_LOGIN_RATE_LIMITED)
    credentials = _credentials(svc, attempt.username)
    item = credentials.account if credentials else None
    state = item.lock_state if item else None
    if _captcha_due(svc, state, owner, now):
        _check_captcha(svc, attempt)
    waits = svc.staff.wait_state(owner, username, now) if item else None
    if waits is not None and policy.is_locked(waits, now):
        raise _waiting(waits, now)
    # The client's slot is taken before the password is checked (atomic under concurrent tries)
    # and given back when it was right.
    gate = address_gate.enter(cap, owner, user_key, int(now.timestamp()))
    if gate is None:
        raise AppError(ErrorCode.LOGIN_RATE_LIMITED, labels.STAFF_LOGIN_RATE_LIMITED)
    right = passwords.verify_secret(svc.settings, credentials.password_hash if credentials else None,
                                    attempt.password or "")
    if not right or item is None or not item.active:
        if not gate.counted:  # the address's one try of the hour past its cap counts nowhere
            raise AppError(ErrorCode.LOGIN_RATE_LIMITED, labels.STAFF_LOGIN_RATE_LIMITED)
        if item is not None and item.active and waits is not None:
            svc.staff.record_failure(item, policy.without_waits(), now)
            waited = svc.staff.record_wait_failure(owner, username, waits, policy, now)
            if policy.is_locked(waited, now):
                raise _waiting(waited, now)
        raise AppError(ErrorCode.LOGIN_FAILED, labels.LOGIN_FAILED)
    address_gate.succeeded(gate)
    svc.staff.record_success(item, now)
    if waits is not None and waits.failed_attempts:
        svc.staff.clear_wait(owner, username)
    principal = principal_of(item)
    audit.record(svc, principal, "login", target=principal.username)
    return principal


def needs_captcha(svc: Services, username: str, client: str | None) -> bool:
    """Whether the next login of ``username`` from ``client`` must carry a captcha (the form
    shows one then; ``login`` enforces it whatever the form showed)."""
    item = _account(svc, username)
    owner = svc.vault.lookup("client", client or "unknown")
    return _captcha_due(svc, item.lock_state if item else None, owner, svc.clock.now())


def _captcha_due(svc: Services, state, owner: str, now) -> bool:
    policy = login_policy(svc)
    client_failures = address_gate.failures(address_cap(svc.settings), owner, int(now.timestamp()))
    return bool(state and policy.needs_captcha(state)) or client_failures >= policy.captcha_after


def _account(svc: Services, username: str | None) -> StaffAccount | None:
    username = (username or "").strip()
    return svc.staff.get(username) if 0 < len(username) <= 64 else None


def _credentials(svc: Services, username: str | None) -> StaffCredentials | None:
    username = (username or "").strip()
    return svc.staff.credentials(username) if 0 < len(username) <= 64 else None


def new_captcha(svc: Services) -> dict:
    from pensioncert.logic.captcha import STAFF
    from pensioncert.logic.captcha import new_captcha as draw

    return draw(svc, purpose=STAFF)


def _check_captcha(svc: Services, attempt: LoginAttempt) -> None:
    from pensioncert.logic.captcha import STAFF, use_captcha

    if not attempt.captcha_id:
        raise CaptchaNeeded(labels.STAFF_CAPTCHA_NEEDED)
    try:
        use_captcha(svc, attempt.captcha_id, attempt.captcha_answer or "", STAFF)
    except AppError:
        raise CaptchaNeeded(labels.STAFF_CAPTCHA_WRONG) from None


def _waiting(state, now) -> AppError:
    seconds = max(1, int((state.locked_until - now).total_seconds()))
    minutes = (seconds + 59) // 60
    return AppError(ErrorCode.ACCOUNT_LOCKED, labels.STAFF_LOGIN_WAIT.format(minutes=minutes))


def open_session(svc: Services, principal: StaffPrincipal) -> str:
    """A new session for a principal who just logged in: returns its random id (the cookie's)."""
    item = svc.staff.get(principal.username)
    if item is None or not item.active:
        raise AppError(ErrorCode.UNAUTHENTICATED, labels.NOT_STAFF)
    session_id = secrets.token_urlsafe(32)
    expires = int(svc.clock.now().timestamp()) + svc.settings.admin_session_hours * 3600
    svc.staff.open_session(session_id, item, svc.clock.now(), expires)
    return session_id


def session_principal(svc: Services, session_id: str | None) -> StaffPrincipal | None:
    """The principal of a session, checked on every request: the session must exist (logout
    deletes it), be unexpired, and carry the account's current session version (a password
    change, a disable, a role change or a revoke moves it); the account must be active."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 100:
        return None
    session = svc.staff.get_session(session_id)
    if session is None or session.expires_at <= int(svc.clock.now().timestamp()):
        return None
    item = svc.staff.get(session.username)
    if item is None or not item.active or item.session_version != session.session_version:
        return None
    return principal_of(item)


def logout(svc: Services, principal, session_id: str | None) -> None:
    if session_id:
        svc.staff.end_session(session_id)
    if isinstance(principal, StaffPrincipal):
        audit.record(svc, principal, "logout", target=principal.username)


def current(username: str | None, svc: Services) -> StaffPrincipal | None:
    """The principal of an active account by username (no session check: for tools and tests)."""
    if not username:
        return None
    item = svc.staff.get(username)
    if item is None or not item.active:
        return None
    return principal_of(item)


# --- staff management (provincial administrators) ---------------------------------------------


def list_staff(svc: Services, principal) -> list[dict]:
    require_province_admin(principal)
    now = svc.clock.now()
    policy = login_policy(svc)
    rows = []
    for item in svc.staff.all_staff():
        state = item.lock_state
        rows.append({
            "username": item.username, "display_name": item.display_name, "role": item.role,
            "role_label": labels.ROLES.get(item.role, item.role), "regions": "、".join(item.regions or ()),
            "active": bool(item.active), "status": labels.STAFF_ACTIVE if item.active else labels.STAFF_DISABLED,
            "failed_logins": state.failed_attempts,
            "waiting": policy.is_locked(state, now),
            "last_login": _beijing(item.last_login_at),
        })
    return rows


def add_staff(svc: Services, principal, *, username: str, display_name: str, role: str, regions,
              password: str) -> None:
    """A provincial administrator creates an account (audited in the same transaction)."""
    principal = require_province_admin(principal)
    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_USERNAME_INVALID, field="username")
    display_name = _display_name(display_name)
    role, regions = _role_and_regions(role, regions)
    passwords.check_strength(password)
    now = svc.clock.now()
    account = StaffAccount(username, display_name=display_name, role=role, regions=tuple(regions),
                           created_at=now, active=True, failed_attempts=0, session_version=0)
    event = audit.fields(principal, "staff_create", target=username, region=_audit_region(regions),
                         after={"display_name": display_name, "role": role, "regions": regions})
    try:
        svc.staff.create(account, passwords.hash_secret(svc.settings, password), event)
    except UsernameTaken:
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_USERNAME_TAKEN, field="username") from None


def set_active(svc: Services, principal, username: str, active: bool, reason: str) -> None:
    """Disable (ends every session at once) or enable an account, with a reason."""
    principal = require_province_admin(principal)
    item = _other_account(svc, principal, username)
    reason = _reason(reason)
    event = audit.fields(principal, "staff_enable" if active else "staff_disable", target=item.username,
                         region=_audit_region(item.regions), before={"active": bool(item.active)},
                         after={"active": active}, reason=reason)
    # A re-enabled account starts with a clean failure count.
    _change(svc, item.username, event, end_sessions=not active, active=active, clear_failures=active)


def reset_password(svc: Services, principal, username: str, new_password: str, reason: str) -> None:
    """Set a new password for another account: ends its sessions and clears its failures."""
    principal = require_province_admin(principal)
    item = _other_account(svc, principal, username)
    reason = _reason(reason)
    passwords.check_strength(new_password)
    event = audit.fields(principal, "staff_reset_password", target=item.username,
                         region=_audit_region(item.regions), reason=reason)
    _change(svc, item.username, event, end_sessions=True, **_password_change(svc, new_password))


def set_role(svc: Services, principal, username: str, role: str, regions, reason: str) -> None:
    """Change an account's role and regions (its open sessions end: they were opened for the old)."""
    principal = require_province_admin(principal)
    item = _other_account(svc, principal, username)
    reason = _reason(reason)
    role, regions = _role_and_regions(role, regions)
    event = audit.fields(principal, "staff_role", target=item.username, region=_audit_region(regions),
                         before={"role": item.role, "regions": list(item.regions)},
                         after={"role": role, "regions": regions}, reason=reason)
    _change(svc, item.username, event, end_sessions=True, role=role, regions=tuple(regions))


def end_sessions(svc: Services, principal, username: str, reason: str) -> None:
    """An administrator's revoke: every open session of the account ends at once."""
    principal = require_province_admin(principal)
    item = _other_account(svc, principal, username)
    event = audit.fields(principal, "staff_revoke_sessions", target=item.username,
                         region=_audit_region(item.regions), reason=_reason(reason))
    _change(svc, item.username, event, end_sessions=True)


def change_own_password(svc: Services, principal, old_password: str, new_password: str) -> None:
    """Any staff member changes their own password; every session of theirs ends, this one too."""
    principal = require_staff(principal)
    credentials = svc.staff.credentials(principal.username)
    if credentials is None or not passwords.verify_secret(svc.settings, credentials.password_hash,
                                                          old_password or ""):
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_OLD_PASSWORD_WRONG, field="old_password")
    passwords.check_strength(new_password)
    event = audit.fields(principal, "staff_change_password", target=principal.username)
    _change(svc, principal.username, event, end_sessions=True, **_password_change(svc, new_password))


USERNAME = re.compile(r"[a-z][a-z0-9_]{2,31}")


def _password_change(svc: Services, password: str) -> dict:
    """A new password's change: its hash, and a clean failure count."""
    return {"password_hash": passwords.hash_secret(svc.settings, password), "clear_failures": True}


def _change(svc: Services, username: str, event: dict, *, end_sessions: bool, **changes) -> None:
    try:
        svc.staff.change(username, now=svc.clock.now(), audit=event, end_sessions=end_sessions, **changes)
    except StaffNotFound:
        raise AppError(ErrorCode.NOT_FOUND, labels.STAFF_NOT_FOUND) from None


def _other_account(svc: Services, principal: StaffPrincipal, username: str) -> StaffAccount:
    item = svc.staff.get((username or "").strip()) if username and len(username) <= 64 else None
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND, labels.STAFF_NOT_FOUND)
    if item.username == principal.username:
        raise AppError(ErrorCode.FORBIDDEN, labels.STAFF_NOT_SELF)
    return item


def _role_and_regions(role: str, regions) -> tuple[str, list[str]]:
    if role not in labels.ROLES:
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_ROLE_INVALID, field="role")
    if isinstance(regions, str):
        regions = re.split(r"[、，,;；\s]+", regions)
    regions = sorted({region.strip() for region in regions or () if region and region.strip()})
    if any(len(region) > 30 for region in regions):
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_REGIONS_NEEDED, field="regions")
    if role == labels.ROLE_PROVINCE_ADMIN:
        return role, []
    if not regions:
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_REGIONS_NEEDED, field="regions")
    return role, regions


def _display_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 30:
        raise AppError(ErrorCode.BAD_REQUEST, labels.STAFF_NAME_INVALID, field="display_name")
    return name


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 200:
        raise AppError(ErrorCode.BAD_REQUEST, labels.REASON_REQUIRED, field="reason")
    return reason


def _audit_region(regions) -> str | None:
    """The audit log's region marker: an operator account's first region (a provincial account
    concerns no region)."""
    return (list(regions or ()) or [None])[0]


def _beijing(moment) -> str | None:
    from pensioncert.clock import BEIJING

    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else None


def assignable(svc: Services, principal, region: str) -> list[dict]:
    """Staff who may take a case in ``region``: its operators and the provincial administrators."""
    require_region(principal, region)
    return [
        {"username": item.username, "display_name": item.display_name}
        for item in svc.staff.all_staff()
        if item.active and covers(item.role, item.regions, region)
    ]
