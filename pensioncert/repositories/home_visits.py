"""Home-visit cases (上门认证): the record, what a store of them promises, and an in-memory store.

A case puts a person on the agency's queue for a visit: asked for from the app
(``logic/home_visits.py``), reported by the person's unit or proposed by a refused review (the
admin). The agency moves it through its statuses (``admin/home_visits.py``): open, assigned,
scheduled, then done; a failed visit sends it back to assigned.

The PynamoDB store is ``dal/home_visits.PynamoDbHomeVisits``; this module imports no table (see
``pensioncert/repositories/__init__.py``). tests/integration/test_home_visit_repository.py holds
both stores to the contract below; the use cases' unit tests use ``InMemoryHomeVisits``.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Protocol

from pensioncert.repositories import Refused

# The statuses of a case still on the agency's queue.
QUEUE_STATUSES = ("open", "assigned", "scheduled")


@dataclass(frozen=True)
class HomeVisitCase:
    """A home-visit case. ``subject_key`` is the person's ID number's keyed hash; ``source`` app,
    unit_report or review; ``requested_by`` the app account's user id or ``staff:<username>``."""

    case_id: str
    subject_key: str
    subject_id_sealed: str
    name: str
    region: str
    unit: str
    source: str
    reason: str
    created_at: datetime
    status: str = "open"  # open | assigned | scheduled | done
    address_sealed: str | None = None
    contact_phone_sealed: str | None = None
    requested_by: str | None = None
    # The agency's handling: who visits, when, and how it went (set by ``move``).
    assigned_to: str | None = None  # a staff username
    scheduled_for: str | None = None  # YYYY-MM-DD
    outcome: str | None = None  # failed | confirming | review | already_certified | passed ...
    failure_reason: str | None = None
    updated_at: datetime | None = None
    # The evidence of a passed visit (admin/manual_evidence): the photo's evidence object, its
    # similarity to the trusted reference, the visit's date, address and staff; ``review_id`` when
    # the photo sent the case to review.
    evidence_key: str | None = None
    similarity: float | None = None
    visited_on: str | None = None
    visit_address_sealed: str | None = None
    visited_by: str | None = None
    review_id: str | None = None


# What a move may change besides the status (and ``updated_at``, which it always sets).
HANDLING_FIELDS = frozenset(f.name for f in fields(HomeVisitCase)) - {
    "case_id", "subject_key", "subject_id_sealed", "name", "region", "unit", "source", "reason", "created_at",
    "status", "address_sealed", "contact_phone_sealed", "requested_by", "updated_at"}


def new_case_id() -> str:
    return "hv_" + secrets.token_hex(8)


class CaseExists(Refused):
    """A case with this ``case_id`` is stored already."""


class CaseOpen(Refused):
    """The subject's case asked for earlier (``create_unless_open``) is still on the queue: ``case``."""

    def __init__(self, case: HomeVisitCase) -> None:
        super().__init__(case.case_id)
        self.case = case


class CaseChanged(Refused):
    """The case is not (or no longer) in a status the move is from, or there is no such case."""


class HomeVisitRepository(Protocol):
    """What the use cases ask of the home-visit cases' store. Each write is decided by the store at
    once (a conditional write), never by a read before it: of concurrent writers one wins."""

    def create(self, case: HomeVisitCase) -> None:
        """Store the case. Raises CaseExists."""

    def create_unless_open(self, case: HomeVisitCase) -> None:
        """Store the case unless the subject's latest case stored by this method is still on the
        queue (``QUEUE_STATUSES``): then CaseOpen, naming it. Cases stored by ``create`` (a unit's
        report) neither block this nor are blocked. Of concurrent calls for one subject one stores
        its case, the others get CaseOpen with the winner's. Raises CaseExists."""

    def get(self, case_id: str) -> HomeVisitCase | None:
        """The case as last written (a strongly consistent read), None when there is none."""

    def with_status(self, status: str, region: str | None = None) -> list[HomeVisitCase]:
        """The cases in ``status`` (of ``region``, or of every region), by region and then oldest
        first. Eventually consistent in DynamoDB (an index): a case just moved may be missing or
        still there."""

    def move(self, case_id: str, *, from_statuses: tuple[str, ...], to_status: str, now: datetime,
             **changes: object) -> HomeVisitCase:
        """Move the case to ``to_status`` if its status is one of ``from_statuses``, setting
        ``updated_at`` to ``now`` and the ``changes`` (``HANDLING_FIELDS``; None clears one);
        the case as moved. Raises CaseChanged (nothing written) when the status is another, or
        there is no such case; ValueError for a change outside ``HANDLING_FIELDS``."""


def check_changes(changes: dict[str, object]) -> None:
    unknown = set(changes) - HANDLING_FIELDS
    if unknown:
        raise ValueError(f"a move does not change {sorted(unknown)}")


class InMemoryHomeVisits:
    """The HomeVisitRepository in dicts, for tests without DynamoDB. A lock makes each write as
    atomic as DynamoDB's conditional write (or transaction), so the concurrency contract holds here too."""

    def __init__(self) -> None:
        self._cases: dict[str, HomeVisitCase] = {}
        self._latest: dict[str, str] = {}  # subject_key -> the case create_unless_open stored last
        self._lock = threading.Lock()

    def create(self, case: HomeVisitCase) -> None:
        with self._lock:
            self._store(case)

    def create_unless_open(self, case: HomeVisitCase) -> None:
        with self._lock:
            latest = self._cases.get(self._latest.get(case.subject_key, ""))
            if latest is not None and latest.status in QUEUE_STATUSES:
                raise CaseOpen(latest)
            self._store(case)
            self._latest[case.subject_key] = case.case_id

    def get(self, case_id: str) -> HomeVisitCase | None:
        with self._lock:
            return self._cases.get(case_id)

    def with_status(self, status: str, region: str | None = None) -> list[HomeVisitCase]:
        with self._lock:
            found = [c for c in self._cases.values()
                     if c.status == status and (region is None or c.region == region)]
        return sorted(found, key=lambda c: f"{c.region}#{c.created_at.isoformat()}")  # as the index does

    def move(self, case_id: str, *, from_statuses: tuple[str, ...], to_status: str, now: datetime,
             **changes: object) -> HomeVisitCase:
        check_changes(changes)
        with self._lock:
            case = self._cases.get(case_id)
            if case is None or case.status not in from_statuses:
                raise CaseChanged
            moved = replace(case, status=to_status, updated_at=now, **changes)  # type: ignore[arg-type]
            self._cases[case_id] = moved
            return moved

    def _store(self, case: HomeVisitCase) -> None:
        if case.case_id in self._cases:
            raise CaseExists
        self._cases[case.case_id] = case
