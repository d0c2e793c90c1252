"""Confirmations (待确认): the record, what a store of them promises, and an in-memory store.

A confirmation is a change one staff member asked for that a second must approve
(rules/four_eyes.py): a manual certification, a staff reference photo, an unsigned event feed, a
feed's death record, a review's pass. It is opened pending (``logic/confirmations.request``) and
decided once, approved or refused, by a staff member in the admin (``admin/confirmations.py``).
Opening and deciding each write the staff audit event in the same write: both land or neither.

The PynamoDB store is ``dal/confirmations.PynamoDbConfirmations``; why the record and the interface
sit here is told in ``repositories/contacts.py``. tests/integration/test_confirmation_repository.py
holds both stores to this contract; the use cases' unit tests use the in-memory one.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from pensioncert.repositories import Refused

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"

# An audit event's fields (``admin.audit.fields``: actor, actor_name, action, target, region,
# before, after, reason), written by the store with the change it records, at the change's time.
AuditFields = dict[str, Any]


@dataclass(frozen=True)
class Confirmation:
    """One request for a second person's approval. ``state`` is PENDING until decided, then
    APPROVED or REFUSED with the decider (``decided_by`` their username, ``decided_by_name`` shown)
    and the reason. ``detail`` is what approving does, as JSON (sealed values stay sealed)."""

    confirmation_id: str
    kind: str  # rules.four_eyes.KINDS
    state: str
    region: str
    requested_by: str  # staff username, or the importer's actor
    requested_by_name: str
    detail: str
    created_at: datetime
    subject_key: str | None = None  # the person's ID key, when it is about a person
    subject_id_sealed: str | None = None
    name: str | None = None
    visited_by: str | None = None
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None


class ConfirmationExists(Refused):
    """A confirmation with this id exists already (a feed imported again lists its records once)."""


class ConfirmationDecided(Refused):
    """The confirmation is no longer pending (someone decided it meanwhile), or there is none."""


def queue_order(confirmation: Confirmation) -> str:
    """The order of a state's queue: by region, then oldest first (the DynamoDB index's range key)."""
    return f"{confirmation.region}#{confirmation.created_at.isoformat()}"


class ConfirmationRepository(Protocol):
    """What the use cases ask of the confirmations' store. Each write is decided by the store at
    once (a conditional write), never by a read before it: two deciders cannot both win."""

    def create(self, confirmation: Confirmation, audit: AuditFields | None = None) -> None:
        """Store the confirmation and, when given, the audit event (at ``created_at``) with it.
        Raises ConfirmationExists, writing nothing, when its id is taken."""

    def get(self, confirmation_id: str) -> Confirmation | None:
        """The confirmation as last written (a strongly consistent read), None when there is none."""

    def with_state(self, state: str, region: str | None = None) -> list[Confirmation]:
        """The confirmations in ``state`` (of one region; None: every region), in ``queue_order``.
        Eventually consistent in DynamoDB (an index): one just written may be missing or stale."""

    def decide(self, confirmation_id: str, *, state: str, by: str, by_name: str, reason: str, now: datetime,
               audit: AuditFields) -> None:
        """Decide a pending confirmation (``state`` APPROVED or REFUSED, by whom, why, when) and
        write the audit event (at ``now``) with it. Raises ConfirmationDecided, writing nothing,
        when it is not pending (decided meanwhile) or not there."""


class InMemoryConfirmations:
    """The ConfirmationRepository in a dict, for tests without DynamoDB. A lock makes each write as
    atomic as DynamoDB's conditional write; ``audit`` lists the events written with the changes
    (each ``{"now": ..., **fields}``), so a refused write is seen to have audited nothing."""

    def __init__(self) -> None:
        self._confirmations: dict[str, Confirmation] = {}
        self._lock = threading.Lock()
        self.audit: list[AuditFields] = []

    def create(self, confirmation: Confirmation, audit: AuditFields | None = None) -> None:
        with self._lock:
            if confirmation.confirmation_id in self._confirmations:
                raise ConfirmationExists
            self._confirmations[confirmation.confirmation_id] = confirmation
            if audit:
                self.audit.append({"now": confirmation.created_at, **audit})

    def get(self, confirmation_id: str) -> Confirmation | None:
        with self._lock:
            return self._confirmations.get(confirmation_id)

    def with_state(self, state: str, region: str | None = None) -> list[Confirmation]:
        with self._lock:
            return sorted((c for c in self._confirmations.values()
                           if c.state == state and (not region or c.region == region)), key=queue_order)

    def decide(self, confirmation_id: str, *, state: str, by: str, by_name: str, reason: str, now: datetime,
               audit: AuditFields) -> None:
        with self._lock:
            confirmation = self._confirmations.get(confirmation_id)
            if confirmation is None or confirmation.state != PENDING:
                raise ConfirmationDecided
            self._confirmations[confirmation_id] = replace(
                confirmation, state=state, decided_by=by, decided_by_name=by_name, decided_at=now,
                decision_reason=reason)
            self.audit.append({"now": now, **audit})
