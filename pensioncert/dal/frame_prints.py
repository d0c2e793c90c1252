"""The frames a subject's sessions submitted, kept per subject and year on the attempts item.

Appends are conditional on the version read: two sessions that read the same record cannot both
append; the loser reads again (and then sees the winner's frames). What counts as a repeat is the
rule's (pensioncert/rules/frames.py), not this module's.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from pensioncert.dal.tables import AttemptTable
from pensioncert.dal.transactions import is_conditional_failure

# Sessions kept per subject and year (~1 KB each: a DynamoDB item holds 400 KB); the oldest is
# dropped by the same conditional write that appends past it (the daily session caps keep an honest
# year far below it).
MAX_SESSIONS_PER_YEAR = 300


@dataclass(frozen=True)
class Record:
    version: int | None  # None: no frames kept for that year yet
    sessions: list[bytes]


def read(subject_key: str, year: int) -> Record:
    try:
        item = AttemptTable.get(subject_key, year, consistent_read=True)
    except DoesNotExist:
        return Record(None, [])
    return Record(None if item.prints_version is None else int(item.prints_version),
                  [base64.b64decode(blob) for blob in (item.frame_prints or [])])


def remove_if_unchanged(subject_key: str, year: int, read_as: Record, blob: bytes) -> bool:
    """Take one session's frames back out when the year's record is still as read; False when it changed."""
    table = AttemptTable
    kept = list(read_as.sessions)
    kept.remove(blob)
    try:
        AttemptTable(subject_key, year).update(
            actions=[table.frame_prints.set([base64.b64encode(b).decode() for b in kept]),
                     table.prints_version.set((read_as.version or 0) + 1)],
            condition=table.prints_version == read_as.version)
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def append_if_unchanged(subject_key: str, year: int, read_as: Record, blob: bytes) -> bool:
    """Append one session's frames when the year's record is still as read; False when it changed."""
    table = AttemptTable
    kept = [*read_as.sessions[-(MAX_SESSIONS_PER_YEAR - 1):], blob]
    actions: list[Action] = [table.frame_prints.set([base64.b64encode(b).decode() for b in kept]),
               table.prints_version.set((read_as.version or 0) + 1)]
    condition = (table.prints_version.does_not_exist() if read_as.version is None
                 else table.prints_version == read_as.version)
    try:
        AttemptTable(subject_key, year).update(actions=actions, condition=condition)
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True
