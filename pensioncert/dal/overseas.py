"""Recipients living abroad (境外人员): the ministry's list and each person's photo modelling."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from pensioncert.dal.admin_tables import OverseasResidentTable
from pensioncert.dal.transactions import transact_if


def get(id_key: str) -> OverseasResidentTable | None:
    try:
        return OverseasResidentTable.get(id_key, consistent_read=True)
    except DoesNotExist:
        return None


def upsert(*, id_key: str, id_sealed: str, name: str, country: str, agency: str, region: str,
           unit: str, phone_sealed: str | None, fingerprint: str, now: datetime,
           seen_fingerprint: str | None, audit: dict, region_marker) -> bool:
    """Write a list row, with its audit event and the region marker (``region_marker``: the
    StatsTable item that lists the regions with overseas residents), in one transaction, if the
    item is still as read (``seen_fingerprint``; None: absent). Photo modelling is never touched
    by an import. False when the item was not as read (the caller re-reads)."""
    from pensioncert.dal import audit as audit_dal

    as_read = (OverseasResidentTable.list_fingerprint == seen_fingerprint if seen_fingerprint
               else OverseasResidentTable.id_key.does_not_exist())
    def fill(transaction) -> None:
        transaction.update(OverseasResidentTable(id_key), actions=[
            OverseasResidentTable.id_sealed.set(id_sealed),
            OverseasResidentTable.name.set(name),
            OverseasResidentTable.country.set(country),
            OverseasResidentTable.agency.set(agency),
            OverseasResidentTable.agency_id.set(f"{agency}#{id_key}"),
            OverseasResidentTable.region.set(region),
            OverseasResidentTable.unit.set(unit),
            OverseasResidentTable.phone_sealed.set(phone_sealed)
            if phone_sealed else OverseasResidentTable.phone_sealed.remove(),
            OverseasResidentTable.photo_status.set(OverseasResidentTable.photo_status | "none"),
            OverseasResidentTable.list_fingerprint.set(fingerprint),
            OverseasResidentTable.imported_at.set(now),
        ], condition=as_read)
        transaction.update(region_marker, actions=[type(region_marker).value.set(1)])
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)


def in_region(region: str) -> list[OverseasResidentTable]:
    """A region's overseas residents, by agency."""
    return list(OverseasResidentTable.by_region_agency.query(region))


def set_photo_result(id_key: str, *, status: str, reason: str | None, photo_key: str | None,
                     embedding: list[float] | None, now: datetime) -> None:
    actions: list[Action] = [
        OverseasResidentTable.photo_status.set(status),
        OverseasResidentTable.modelled_at.set(now),
        OverseasResidentTable.photo_reason.set(reason) if reason
        else OverseasResidentTable.photo_reason.remove(),
    ]
    if photo_key:
        actions.append(OverseasResidentTable.photo_key.set(photo_key))
    if embedding:
        actions.append(OverseasResidentTable.reference_embedding.set(embedding))
    OverseasResidentTable(id_key).update(actions=actions,
                                         condition=OverseasResidentTable.id_key.exists())
