"""Human reviews (人工复核): the record, what a store of them promises, and an in-memory store.

A review is a failed face check put before staff: an app certification the retiree appealed
(``kind`` app, ``logic/reviews.request``) or a manual certification whose visit photo did not
match (``home_visit``, ``overseas``: ``logic/reviews.open_manual``). A subject has at most one
pending review; staff decide it once (``admin/reviews.py``), passed or refused, and the decision's
follow-up (the certification it stored, the home-visit case it proposed) is linked to it after.
Opening and deciding each write their staff audit event, when given, in the same write: both land
or neither.

The PynamoDB store is ``dal/reviews.PynamoDbReviews``; this module imports no table (see
``pensioncert/repositories/__init__.py``). tests/integration/test_review_repository.py holds both
stores to the contract below; the use cases' unit tests use ``InMemoryReviews``.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from pensioncert.repositories import Refused

PENDING, DECIDED = "pending", "decided"

# An audit event's fields (``admin.audit.fields``: actor, actor_name, action, target, region,
# before, after, reason), written by the store with the change it records, at the change's time.
AuditFields = dict[str, Any]


@dataclass(frozen=True)
class ReviewCase:
    """A human review. ``subject_key`` is the person's ID number's keyed hash; ``year`` the
    certification year it is about; ``requested_by`` an app user id or ``staff:<username>``;
    ``due_by`` the answer's deadline (ISO 8601, +08:00). ``state`` is PENDING until decided, then
    DECIDED with the outcome (passed | refused), the decider and the reason."""

    review_id: str
    kind: str  # app | home_visit | overseas
    subject_key: str
    subject_id_sealed: str
    name: str
    region: str
    unit: str
    year: int
    requested_by: str
    created_at: datetime
    due_by: str
    state: str = PENDING
    session_id: str | None = None  # kind app: the failed session
    case_id: str | None = None  # kind home_visit: the visit's case
    evidence_key: str | None = None
    failure_code: str | None = None  # what the face check answered (FACE_MISMATCH, ...)
    failure_detail: str | None = None
    similarity: float | None = None
    review_band: bool | None = None  # vision put the similarity just below the match threshold
    reference: str | None = None  # which trusted reference it was compared with
    # A visit's own facts (manual kinds): date, address, visiting staff.
    visited_on: str | None = None
    visit_address_sealed: str | None = None
    visited_by: str | None = None
    # The decision (``decide``) and what it led to (``link``).
    outcome: str | None = None  # passed | refused
    decided_by: str | None = None  # staff username
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    certification_id: str | None = None
    home_visit_case_id: str | None = None


def new_review_id() -> str:
    return "rv_" + secrets.token_hex(8)


def queue_order(review: ReviewCase) -> str:
    """The order of a state's queue: by region, then oldest first (the DynamoDB index's range key)."""
    return f"{review.region}#{review.created_at.isoformat()}"


class ReviewExists(Refused):
    """A review with this ``review_id`` is stored already."""


class ReviewOpen(Refused):
    """The subject's latest review is still pending: ``review``."""

    def __init__(self, review: ReviewCase) -> None:
        super().__init__(review.review_id)
        self.review = review


class ReviewDecided(Refused):
    """The review is no longer pending (someone decided it meanwhile), or there is none."""


class ReviewRepository(Protocol):
    """What the use cases ask of the reviews' store. Each write is decided by the store at once (a
    conditional write), never by a read before it: of concurrent writers one wins."""

    def create_unless_open(self, review: ReviewCase, audit: AuditFields | None = None) -> None:
        """Store the review, and the audit event (at ``created_at``) when given, unless the
        subject's latest review is pending: then ReviewOpen, naming it, and nothing written. The
        stored review becomes the subject's latest. Of concurrent calls for one subject one stores
        its review, the others get ReviewOpen with the winner's. Raises ReviewExists when the id
        is taken."""

    def get(self, review_id: str) -> ReviewCase | None:
        """The review as last written (a strongly consistent read), None when there is none."""

    def latest_for(self, subject_key: str) -> ReviewCase | None:
        """The subject's latest review (pending or decided), None when there is none."""

    def with_state(self, state: str, region: str | None = None) -> list[ReviewCase]:
        """The reviews in ``state`` (of ``region``; None: every region), in ``queue_order``.
        Eventually consistent in DynamoDB (an index): one just written may be missing or stale."""

    def decide(self, review_id: str, *, outcome: str, by: str, by_name: str, reason: str, now: datetime,
               audit: AuditFields | None = None) -> None:
        """Decide a pending review (DECIDED with ``outcome``, by whom, why, when) and write the
        audit event (at ``now``) with it when given. Raises ReviewDecided, writing nothing, when it
        is not pending (decided meanwhile) or not there."""

    def link(self, review_id: str, *, certification_id: str | None = None,
             home_visit_case_id: str | None = None) -> None:
        """Record what a stored review's decision led to: the certification it stored, the
        home-visit case it proposed (those given; None leaves one as it is). Unconditional: only
        the decision's winner gets here."""


class InMemoryReviews:
    """The ReviewRepository in dicts, for tests without DynamoDB. A lock makes each write as atomic
    as DynamoDB's conditional write (or transaction); ``audit`` lists the events written with the
    changes (each ``{"now": ..., **fields}``), so a refused write is seen to have audited nothing."""

    def __init__(self) -> None:
        self._reviews: dict[str, ReviewCase] = {}
        self._latest: dict[str, str] = {}  # subject_key -> the subject's latest review
        self._lock = threading.Lock()
        self.audit: list[AuditFields] = []

    def create_unless_open(self, review: ReviewCase, audit: AuditFields | None = None) -> None:
        with self._lock:
            latest = self._reviews.get(self._latest.get(review.subject_key, ""))
            if latest is not None and latest.state == PENDING:
                raise ReviewOpen(latest)
            if review.review_id in self._reviews:
                raise ReviewExists
            self._reviews[review.review_id] = review
            self._latest[review.subject_key] = review.review_id
            if audit:
                self.audit.append({"now": review.created_at, **audit})

    def get(self, review_id: str) -> ReviewCase | None:
        with self._lock:
            return self._reviews.get(review_id)

    def latest_for(self, subject_key: str) -> ReviewCase | None:
        with self._lock:
            return self._reviews.get(self._latest.get(subject_key, ""))

    def with_state(self, state: str, region: str | None = None) -> list[ReviewCase]:
        with self._lock:
            return sorted((r for r in self._reviews.values()
                           if r.state == state and (not region or r.region == region)), key=queue_order)

    def decide(self, review_id: str, *, outcome: str, by: str, by_name: str, reason: str, now: datetime,
               audit: AuditFields | None = None) -> None:
        with self._lock:
            review = self._reviews.get(review_id)
            if review is None or review.state != PENDING:
                raise ReviewDecided
            self._reviews[review_id] = replace(review, state=DECIDED, outcome=outcome, decided_by=by,
                                               decided_by_name=by_name, decided_at=now, decision_reason=reason)
            if audit:
                self.audit.append({"now": now, **audit})

    def link(self, review_id: str, *, certification_id: str | None = None,
             home_visit_case_id: str | None = None) -> None:
        with self._lock:
            review = self._reviews[review_id]  # a stored review (KeyError: a caller's mistake)
            if certification_id is not None:
                review = replace(review, certification_id=certification_id)
            if home_visit_case_id is not None:
                review = replace(review, home_visit_case_id=home_visit_case_id)
            self._reviews[review_id] = review
