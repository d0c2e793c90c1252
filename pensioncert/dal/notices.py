"""A notice SMS's send, recorded once: claim (a conditional put on the notice's identity), then the
caller sends, then mark it sent; or let the claim go when the send failed."""
from __future__ import annotations

import enum
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from pensioncert.dal.notice_tables import NoticeSendTable
from pensioncert.dal.transactions import is_conditional_failure, save_if

CLAIMED = "claimed"
SENT = "sent"


class Claim(enum.Enum):
    TAKEN = "taken"  # ours: send it
    SENT = "sent"  # sent before: nothing to do
    HELD = "held"  # another consumer's claim, its lease still running


def claim(notice_id: str, *, purpose: str, token: str, now: datetime, lease_seconds: int,
          keep_seconds: int) -> Claim:
    """Take the notice unless it was sent or another claim's lease still runs. A claim whose lease
    has run out (its consumer died between claim and mark) is taken over."""
    at = int(now.timestamp())
    item = NoticeSendTable(notice_id, state=CLAIMED, claim=token, lease_until=at + lease_seconds,
                           purpose=purpose, claimed_at=now, expires_at=at + keep_seconds)
    lapsed = (NoticeSendTable.state == CLAIMED) & (NoticeSendTable.lease_until < at)
    if save_if(item, NoticeSendTable.notice_id.does_not_exist() | lapsed):
        return Claim.TAKEN
    try:
        found = NoticeSendTable.get(notice_id, consistent_read=True)
    except DoesNotExist:  # let go between our put and this read: the next delivery takes it
        return Claim.HELD
    if found.state == SENT:
        return Claim.SENT
    # Our own claim: the SDK sent the put again after its answer was lost (a put has no idempotency
    # token), and the resend met the first. Taken as held, the notice waited out its own lease.
    return Claim.TAKEN if found.claim == token else Claim.HELD


def mark_sent(notice_id: str, *, token: str, now: datetime) -> bool:
    """False when the claim is no longer ours (its lease ran out and another consumer took it)."""
    try:
        NoticeSendTable(notice_id).update(
            actions=[NoticeSendTable.state.set(SENT), NoticeSendTable.sent_at.set(now)],
            condition=(NoticeSendTable.claim == token) & (NoticeSendTable.state == CLAIMED))
        return True
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise


def release(notice_id: str, *, token: str) -> None:
    """Let our claim go (the send failed), so that the next delivery claims it at once."""
    try:
        NoticeSendTable(notice_id).delete(
            condition=(NoticeSendTable.claim == token) & (NoticeSendTable.state == CLAIMED))
    except DeleteError as error:
        if not is_conditional_failure(error):
            raise


def state_of(notice_id: str) -> str | None:
    """"claimed", "sent" or None (never claimed, or let go)."""
    try:
        return NoticeSendTable.get(notice_id, consistent_read=True).state
    except DoesNotExist:
        return None
