"""Staff accounts: login with the app's lockout, roles, and the principal every service checks."""
from __future__ import annotations

from dataclasses import dataclass

from pensioncert import passwords
from pensioncert.admin import labels
from pensioncert.dal import staff as staff_dal
from pensioncert.dal.admin_tables import StaffTable
from pensioncert.errors import AppError, ErrorCode


@dataclass(frozen=True)
class StaffPrincipal:
    """Who is acting: a provincial administrator sees every region, an operator only theirs."""

    username: str
    display_name: str
    role: str
    regions: tuple[str, ...] = ()

    @property
    def is_province_admin(self) -> bool:
        return self.role == labels.ROLE_PROVINCE_ADMIN

    @property
    def role_label(self) -> str:
        return labels.ROLES.get(self.role, self.role)

    def can_see(self, region: str | None) -> bool:
        return self.is_province_admin or (region is not None and region in self.regions)


def require_staff(principal) -> StaffPrincipal:
    if not isinstance(principal, StaffPrincipal):
        raise AppError(ErrorCode.UNAUTHENTICATED, labels.NOT_STAFF)
    return principal


def require_region(principal, region: str | None) -> StaffPrincipal:
    principal = require_staff(principal)
    if not principal.can_see(region):
        raise AppError(ErrorCode.FORBIDDEN, labels.OUT_OF_SCOPE)
    return principal


def require_province_admin(principal) -> StaffPrincipal:
    principal = require_staff(principal)
    if not principal.is_province_admin:
        raise AppError(ErrorCode.FORBIDDEN, labels.ADMIN_ONLY)
    return principal


def principal_of(item: StaffTable) -> StaffPrincipal:
    return StaffPrincipal(item.username, item.display_name, item.role, tuple(item.regions or ()))


def create_staff(svc, *, username: str, display_name: str, role: str, regions: list[str],
                 password: str) -> bool:
    """A staff account (False if the username exists). Operators must have at least one region."""
    if role not in labels.ROLES:
        raise ValueError(f"unknown role {role}")
    if role == labels.ROLE_OPERATOR and not regions:
        raise ValueError("an operator needs at least one region")
    passwords.check_strength(password)
    return staff_dal.create(StaffTable(
        username, display_name=display_name, role=role, regions=list(regions),
        password_hash=passwords.hash_secret(svc.settings, password), active=True,
        failed_attempts=0, created_at=svc.clock.now(),
    ))


def login(svc, username: str, password: str) -> StaffPrincipal:
    """The app's lockout: the Nth consecutive wrong password locks the account for the set hours."""
    from pensioncert.admin import audit

    now = svc.clock.now()
    item = staff_dal.get(username.strip()) if username and len(username) <= 64 else None
    if item is None or not item.active:
        passwords.verify_secret(svc.settings, None, password or "")
        raise AppError(ErrorCode.LOGIN_FAILED, labels.LOGIN_FAILED)
    policy = svc.lockout
    if policy.is_locked(staff_dal.lock_state_of(item), now):
        raise _locked(svc)
    if not passwords.verify_secret(svc.settings, item.password_hash, password or ""):
        state = staff_dal.record_failure(item, policy, now)
        if policy.is_locked(state, now):
            raise _locked(svc)
        raise AppError(ErrorCode.LOGIN_FAILED, labels.LOGIN_FAILED)
    state = staff_dal.record_success(item, now)
    if policy.is_locked(state, now):
        raise _locked(svc)
    principal = principal_of(item)
    audit.record(svc, principal, "login", target=principal.username)
    return principal


def current(username: str | None, svc) -> StaffPrincipal | None:
    """The principal of a session's username, re-read on every request: a deactivated or locked
    account loses its session at once."""
    if not username:
        return None
    item = staff_dal.get(username)
    if item is None or not item.active:
        return None
    if svc.lockout.is_locked(staff_dal.lock_state_of(item), svc.clock.now()):
        return None
    return principal_of(item)


def assignable(svc, principal, region: str) -> list[dict]:
    """Staff who may take a case in ``region``: its operators and the provincial administrators."""
    require_region(principal, region)
    return [
        {"username": item.username, "display_name": item.display_name}
        for item in staff_dal.all_staff()
        if item.active and (item.role == labels.ROLE_PROVINCE_ADMIN or region in (item.regions or ()))
    ]


def _locked(svc) -> AppError:
    settings = svc.settings
    return AppError(ErrorCode.ACCOUNT_LOCKED, labels.LOGIN_LOCKED.format(
        n=settings.lock_max_failures, hours=settings.lock_hours))
