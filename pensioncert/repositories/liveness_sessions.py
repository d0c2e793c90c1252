"""Liveness sessions (certification and real-name binding): the record, what a store of them
promises, and an in-memory store.

A session is opened with random challenges (``logic/liveness.open_session``), taking a unit of each
of its daily caps (rules/session_caps.py) and, for a certification, holding the yearly failed
attempts' budget below its limit, all or nothing. Its completion takes it once (``take``) and keeps
what it answered (``store_outcome``), so a retry after a lost answer gets the same answer. Each
opening and completion also counts in a day tally, per Beijing day, region and account, for the
fraud signal of sessions opened without a completion (admin/fraud_signals.py).

The PynamoDB store is ``dal/liveness_sessions.PynamoDbSessions``; this module imports no table (see
``pensioncert/repositories/__init__.py``). tests/integration/test_session_repository.py holds both
stores to the contract below; the use cases' unit tests use ``InMemorySessions``.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from pensioncert.repositories import Refused

_OPENED, _COMPLETED = "opened", "completed"


@dataclass(frozen=True)
class LivenessSession:
    """A liveness session. ``purpose`` certify | real_name; ``subject`` "self" or a contact_id of
    the user; ``subject_key`` the person's ID number's keyed hash; ``nonce`` drawn per session;
    ``expires_at`` epoch seconds. ``used_at`` is set by the take, ``outcome_status`` and
    ``outcome_body`` (HTTP status and JSON body) by ``store_outcome``. ``tally_scope`` (``tally_scope()``)
    names the day tally the opening counts in, so the completion counts in the same one (None: none
    is kept, the person has no region); ``tally_expires_at`` when that tally expires."""

    session_id: str
    purpose: str
    user_id: str
    subject: str
    subject_key: str
    challenges: tuple[str, ...]
    nonce: str
    expires_at: int
    used_at: datetime | None = None
    outcome_status: int | None = None
    outcome_body: str | None = None
    tally_scope: str | None = None
    tally_expires_at: int | None = None


@dataclass(frozen=True)
class YearlyAttempts:
    """A certification's yearly failed attempts budget: the attempts item ``key`` (the subject's
    own, or a proxy's ``budget_key``) of ``year``, which must hold fewer than ``limit`` failures."""

    key: str
    year: int
    limit: int


@dataclass(frozen=True)
class DayTally:
    """One account's sessions of one Beijing day for people of one region."""

    day: str  # YYYYMMDD
    region: str
    user_id: str
    opened: int
    completed: int


def tally_scope(region: str, day: str) -> str:
    """What a session keeps of the tally it counts in: its Beijing day (YYYYMMDD) and the person's
    region. The tallies of one day share a partition in DynamoDB (``sessions#day#<day>``, items
    ``<region>#opened#<user_id>`` / ``<region>#completed#<user_id>``), so the provincial view reads
    one partition a day and an operator's the items of their regions in it."""
    return f"{day}#{region}"


class CapReached(Refused):
    """A daily cap ``(key, limit)`` is at its limit: ``key`` names it, ``position`` is its place in
    the caps the open was given. Nothing was written."""

    def __init__(self, key: str, position: int) -> None:
        super().__init__(key)
        self.key = key
        self.position = position


class AttemptsExhausted(Refused):
    """The yearly failed attempts' budget is at its limit. Nothing was written."""


class SessionExists(Refused):
    """Another session with this ``session_id`` is stored already (a random id met twice)."""


class SessionNotTaken(Refused):
    """The take was refused: no such session, or not this user's or purpose's, expired, used
    already, or its challenges are not the ones sent (in that order)."""


class SessionRepository(Protocol):
    """What the use cases ask of the liveness sessions' store. Each write is decided by the store at
    once (a conditional write or one transaction), never by a read before it: of concurrent
    writers no more than the limits allow win."""

    def open(self, session: LivenessSession, caps: Sequence[tuple[str, int]],
             attempts: YearlyAttempts | None = None) -> None:
        """Store the session, adding one to each cap's counter ``(key, limit)`` and, when given,
        holding ``attempts`` below its limit: all or nothing, so concurrent opens never take a
        counter past its limit. Raises AttemptsExhausted (before the others), SessionExists,
        CapReached (the first cap refused). An open whose answer was lost and that is sent again finds
        its own session (its nonce) and is done, counted once. The opening's day tally is not part
        of it (``count_opened``, after it)."""

    def get(self, session_id: str) -> LivenessSession | None:
        """The session as last written (a strongly consistent read), None when there is none (or
        DynamoDB's TTL has deleted it)."""

    def take(self, session_id: str, *, user_id: str, purpose: str, now: datetime,
             challenges: Sequence[str]) -> LivenessSession:
        """Mark the session used at ``now`` if it is ``user_id``'s, of ``purpose``, unexpired at
        ``now``, unused, and its challenges are ``challenges`` in that order; the session as taken.
        Of concurrent takes one wins. Raises SessionNotTaken (nothing written)."""

    def store_outcome(self, session_id: str, status: int, body: str) -> None:
        """Keep what the completion of a taken session answered, once: the first kept stays, and
        a session not taken keeps none."""

    def count_opened(self, session: LivenessSession) -> None:
        """Add one to the opened sessions of the session's day tally (none without a ``tally_scope``)."""

    def count_completed(self, session: LivenessSession) -> None:
        """Add one to the completed sessions of the tally the session's opening counted in."""

    def day_tallies(self, regions: Sequence[str] | None, days: list[str]) -> list[DayTally]:
        """The accounts' opened and completed sessions on each of ``days`` (YYYYMMDD) for people of
        ``regions`` (None: every region), by day, region and account."""

    def counted(self, key: str) -> int:
        """A cap counter's value (a read: for answers and tests, never for deciding)."""


class InMemorySessions:
    """The SessionRepository in dicts, for tests without DynamoDB. A lock makes each write as
    atomic as DynamoDB's conditional write (or transaction), so the concurrency contract holds here
    too. ``failed_attempts[(key, year)]`` stands for the certifications' attempts items."""

    def __init__(self) -> None:
        self._sessions: dict[str, LivenessSession] = {}
        self._counters: dict[str, int] = {}
        self._tallies: dict[tuple[str, str, str], dict[str, int]] = {}
        self.failed_attempts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def open(self, session: LivenessSession, caps: Sequence[tuple[str, int]],
             attempts: YearlyAttempts | None = None) -> None:
        with self._lock:
            stored = self._sessions.get(session.session_id)
            if stored is not None and stored.nonce == session.nonce:
                return  # this open, sent again: done, counted once
            if attempts is not None and self.failed_attempts.get((attempts.key, attempts.year), 0) >= attempts.limit:
                raise AttemptsExhausted
            if stored is not None:
                raise SessionExists(session.session_id)
            for position, (key, limit) in enumerate(caps):
                if self._counters.get(key, 0) >= limit:
                    raise CapReached(key, position)
            for key, _limit in caps:
                self._counters[key] = self._counters.get(key, 0) + 1
            self._sessions[session.session_id] = session

    def get(self, session_id: str) -> LivenessSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def take(self, session_id: str, *, user_id: str, purpose: str, now: datetime,
             challenges: Sequence[str]) -> LivenessSession:
        with self._lock:
            session = self._sessions.get(session_id)
            if (session is None or session.used_at is not None or session.user_id != user_id
                    or session.purpose != purpose or session.expires_at <= int(now.timestamp())
                    or session.challenges != tuple(challenges)):
                raise SessionNotTaken(session_id)
            taken = replace(session, used_at=now)
            self._sessions[session_id] = taken
            return taken

    def store_outcome(self, session_id: str, status: int, body: str) -> None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and session.used_at is not None and session.outcome_status is None:
                self._sessions[session_id] = replace(session, outcome_status=status, outcome_body=body)

    def count_opened(self, session: LivenessSession) -> None:
        self._count(session, _OPENED)

    def count_completed(self, session: LivenessSession) -> None:
        self._count(session, _COMPLETED)

    def _count(self, session: LivenessSession, kind: str) -> None:
        if session.tally_scope:
            day, _, region = session.tally_scope.partition("#")
            with self._lock:
                tally = self._tallies.setdefault((day, region, session.user_id), {})
                tally[kind] = tally.get(kind, 0) + 1

    def day_tallies(self, regions: Sequence[str] | None, days: list[str]) -> list[DayTally]:
        with self._lock:
            found = {key: dict(tally) for key, tally in self._tallies.items()
                     if key[0] in days and (regions is None or key[1] in regions)}
        return [DayTally(day, region, user_id, tally.get(_OPENED, 0), tally.get(_COMPLETED, 0))
                for (day, region, user_id), tally in sorted(found.items())]

    def counted(self, key: str) -> int:
        with self._lock:
            return self._counters.get(key, 0)
