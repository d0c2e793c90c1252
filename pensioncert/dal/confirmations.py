"""The confirmations' store in DynamoDB (``repositories.confirmations.ConfirmationRepository``): the
only place that builds confirmation items and their conditions. Created once, decided once, each
with its audit event in the same transaction."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from pensioncert.dal import audit as audit_dal
from pensioncert.dal.admin_tables import ConfirmationTable
from pensioncert.dal.transactions import transact_if
from pensioncert.repositories.confirmations import (
    PENDING,
    AuditFields,
    Confirmation,
    ConfirmationDecided,
    ConfirmationExists,
    queue_order,
)


class PynamoDbConfirmations:
    """ConfirmationRepository over the ``confirmations`` table (its ``by_state_region`` index for
    the queues) and the audit table."""

    def create(self, confirmation: Confirmation, audit: AuditFields | None = None) -> None:
        def fill(transaction) -> None:
            # The put is the transaction's item 0 (puts go before updates): transact_if's condition.
            transaction.save(_item(confirmation), condition=ConfirmationTable.confirmation_id.does_not_exist())
            if audit:
                audit_dal.in_transaction(transaction, now=confirmation.created_at, **audit)

        if not transact_if(fill):
            raise ConfirmationExists

    def get(self, confirmation_id: str) -> Confirmation | None:
        try:
            return _record(ConfirmationTable.get(confirmation_id, consistent_read=True))
        except DoesNotExist:
            return None

    def with_state(self, state: str, region: str | None = None) -> list[Confirmation]:
        """The queue index, no scan."""
        condition = ConfirmationTable.region_created.startswith(f"{region}#") if region else None
        return [_record(item) for item in ConfirmationTable.by_state_region.query(state, range_key_condition=condition)]

    def decide(self, confirmation_id: str, *, state: str, by: str, by_name: str, reason: str, now: datetime,
               audit: AuditFields) -> None:
        def fill(transaction) -> None:
            # Both are updates, kept in the order of adding: the confirmation's is item 0.
            transaction.update(ConfirmationTable(confirmation_id), actions=[
                ConfirmationTable.state.set(state), ConfirmationTable.decided_by.set(by),
                ConfirmationTable.decided_by_name.set(by_name), ConfirmationTable.decided_at.set(now),
                ConfirmationTable.decision_reason.set(reason)], condition=ConfirmationTable.state == PENDING)
            audit_dal.in_transaction(transaction, now=now, **audit)

        if not transact_if(fill):
            raise ConfirmationDecided


def _item(confirmation: Confirmation) -> ConfirmationTable:
    return ConfirmationTable(
        confirmation.confirmation_id,
        kind=confirmation.kind,
        state=confirmation.state,
        region=confirmation.region,
        region_created=queue_order(confirmation),
        subject_key=confirmation.subject_key,
        subject_id_sealed=confirmation.subject_id_sealed,
        name=confirmation.name,
        requested_by=confirmation.requested_by,
        requested_by_name=confirmation.requested_by_name,
        visited_by=confirmation.visited_by,
        detail=confirmation.detail,
        created_at=confirmation.created_at,
        decided_by=confirmation.decided_by,
        decided_by_name=confirmation.decided_by_name,
        decided_at=confirmation.decided_at,
        decision_reason=confirmation.decision_reason,
    )


def _record(item: ConfirmationTable) -> Confirmation:
    return Confirmation(
        confirmation_id=item.confirmation_id,
        kind=item.kind,
        state=item.state,
        region=item.region,
        requested_by=item.requested_by,
        requested_by_name=item.requested_by_name,
        detail=item.detail,
        created_at=item.created_at,
        subject_key=item.subject_key,
        subject_id_sealed=item.subject_id_sealed,
        name=item.name,
        visited_by=item.visited_by,
        decided_by=item.decided_by,
        decided_by_name=item.decided_by_name,
        decided_at=item.decided_at,
        decision_reason=item.decision_reason,
    )
