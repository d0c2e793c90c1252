"""Certifications (one per subject per year, by the table's key) and failed attempts."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from pensioncert.dal.errors import is_conditional_failure
from pensioncert.dal.tables import AttemptTable, CertificationTable


def store_once(certification: CertificationTable) -> bool:
    """Store the year's certification unless one exists: False for every concurrent loser."""
    try:
        certification.save(condition=CertificationTable.subject_key.does_not_exist())
        return True
    except PutError as error:
        if is_conditional_failure(error):
            return False
        raise


def for_year(subject_key: str, year: int) -> CertificationTable | None:
    try:
        return CertificationTable.get(subject_key, year, consistent_read=True)
    except DoesNotExist:
        return None


def history(subject_key: str) -> list[CertificationTable]:
    """Newest year first."""
    return list(CertificationTable.query(subject_key, scan_index_forward=False))


def record_failure(subject_key: str, year: int, reason: str, now: datetime) -> int:
    """Count a failed attempt atomically; returns the year's count after it."""
    attempt = AttemptTable(subject_key, year)
    attempt.update(actions=[
        AttemptTable.failed.add(1),
        AttemptTable.last_reason.set(reason),
        AttemptTable.last_failed_at.set(now),
    ])
    return int(attempt.failed)


def failures(subject_key: str, year: int) -> int:
    try:
        return int(AttemptTable.get(subject_key, year).failed or 0)
    except DoesNotExist:
        return 0
