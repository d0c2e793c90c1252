"""Who is acting in the admin, and what they may see: the principal every admin service checks,
apart from login, sessions and account management (admin/staff.py), which use it too."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pensioncert.admin import labels
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
        return covers(self.role, self.regions, region)

    # The region scope, in the three shapes the dal's queries take (one place: it was written
    # seven times over the admin's services).
    @property
    def query_regions(self) -> list[str | None]:
        """One query per region of the operator; for the province one query over all (None)."""
        return [None] if self.is_province_admin else [*sorted(self.regions)]

    @property
    def region_filter(self) -> tuple[str, ...] | None:
        """The regions a listing keeps, or None: the province keeps every one."""
        return None if self.is_province_admin else tuple(sorted(self.regions))

    def named_regions(self, every_region: Callable[[], list[str]]) -> list[str]:
        """The operator's regions by name; for the province, ``every_region()`` (for a query that
        cannot be asked over all regions at once)."""
        return every_region() if self.is_province_admin else sorted(self.regions)


def covers(role: str, regions: Iterable[str] | None, region: str | None) -> bool:
    """Whether staff of this role and these regions are responsible for ``region`` (the acting
    principal's scope, and another staff member's: an assignee, a visitor)."""
    return role == labels.ROLE_PROVINCE_ADMIN or (region is not None and region in (regions or ()))


def require_staff(principal) -> StaffPrincipal:
    if not isinstance(principal, StaffPrincipal):
        raise AppError(ErrorCode.UNAUTHENTICATED, labels.NOT_STAFF)
    return principal


def require_region(principal, region: str | None) -> StaffPrincipal:
    principal = require_staff(principal)
    if not principal.can_see(region):
        raise AppError(ErrorCode.FORBIDDEN, labels.OUT_OF_SCOPE)
    return principal


def require_person_in_scope(principal, region: str | None, not_found: str) -> StaffPrincipal:
    """For a record staff looked up by what they typed (an ID number, a phone): one of another
    region is answered as one that does not exist, ``NOT_FOUND`` with the lookup's own message, so
    a lookup says nothing of other regions' records (issue 19, finding 14: it answered 不属于您负责
    的地区, which says the record exists)."""
    principal = require_staff(principal)
    if not principal.can_see(region):
        raise AppError(ErrorCode.NOT_FOUND, not_found)
    return principal


def require_province_admin(principal) -> StaffPrincipal:
    principal = require_staff(principal)
    if not principal.is_province_admin:
        raise AppError(ErrorCode.FORBIDDEN, labels.ADMIN_ONLY)
    return principal
