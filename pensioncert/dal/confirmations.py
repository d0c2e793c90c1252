"""Second-person confirmations (rules/four_eyes.py): created once, decided once, each with its audit
event in the same transaction."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from pensioncert.dal import audit as audit_dal
from pensioncert.dal.admin_tables import ConfirmationTable
from pensioncert.dal.transactions import transact_if

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


def create(item: ConfirmationTable, audit: dict | None = None) -> bool:
    """False when a confirmation with this id exists already (a feed imported again)."""
    def fill(transaction) -> None:
        transaction.save(item, condition=ConfirmationTable.confirmation_id.does_not_exist())
        if audit:
            audit_dal.in_transaction(transaction, now=item.created_at, **audit)

    return transact_if(fill)


def get(confirmation_id: str) -> ConfirmationTable | None:
    try:
        return ConfirmationTable.get(confirmation_id, consistent_read=True)
    except DoesNotExist:
        return None


def with_state(state: str, region: str | None = None) -> list[ConfirmationTable]:
    """Confirmations in ``state`` (of one region), oldest first: the queue index, no scan."""
    condition = ConfirmationTable.region_created.startswith(f"{region}#") if region else None
    return list(ConfirmationTable.by_state_region.query(state, range_key_condition=condition))


def decide(item: ConfirmationTable, *, state: str, by: str, by_name: str, reason: str, now: datetime,
           audit: dict) -> bool:
    """Taken once (conditional on still pending), audited in the same transaction; False when
    someone decided it meanwhile."""
    def fill(transaction) -> None:
        transaction.update(item, actions=[
            ConfirmationTable.state.set(state), ConfirmationTable.decided_by.set(by),
            ConfirmationTable.decided_by_name.set(by_name), ConfirmationTable.decided_at.set(now),
            ConfirmationTable.decision_reason.set(reason)], condition=ConfirmationTable.state == PENDING)
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)
