"""The pension registry and the emulated card service, written together one row at a time."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from pensioncert.dal import lock_counter, stats
from pensioncert.dal.errors import failed_transaction_items
from pensioncert.dal.tables import CardTable, CertificationTable, RegistryPersonTable
from pensioncert.rules.certification import is_current
from pensioncert.rules.lockout import LockoutPolicy, LockState


def get_person(id_key: str, today: str | None = None) -> RegistryPersonTable | None:
    """The registry item; with ``today`` (YYYYMMDD, Beijing) None also when an ID-number
    correction makes it not current that day (``rules.certification.is_current``)."""
    try:
        person = RegistryPersonTable.get(id_key)
    except DoesNotExist:
        return None
    return person if today is None or is_current(person, today) else None


def get_card(id_key: str, today: str | None = None) -> CardTable | None:
    """The card item; ``today`` as for ``get_person``."""
    try:
        card = CardTable.get(id_key)
    except DoesNotExist:
        return None
    return card if today is None or is_current(card, today) else None


def upsert_row(
    *, id_key: str, id_sealed: str, name: str, region: str, unit: str, status: str,
    photo_key: str | None, card_status: str, pin_hash: str | None, fingerprint: str, now: datetime,
    reference_embedding: list[float] | None = None,
    counter_deltas=None, seen_fingerprint: str | None = None,
) -> bool:
    """Write the person and their card in one transaction, unless this exact row is already there.

    Returns False when nothing changed (same fingerprint): re-importing a file is a no-op, and the
    card's lock counter is never touched by an import. ``counter_deltas`` (the dashboards'
    recipient counters, computed from the record as read) go into the same transaction, which then
    also requires the record to be still as read (``seen_fingerprint``; None: absent), so a
    concurrent change fails this write instead of skewing the counts.
    """
    changed = (RegistryPersonTable.row_fingerprint.does_not_exist()) | (
        RegistryPersonTable.row_fingerprint != fingerprint
    )
    if counter_deltas is not None:
        changed = changed & (
            RegistryPersonTable.row_fingerprint == seen_fingerprint
            if seen_fingerprint
            else RegistryPersonTable.id_key.does_not_exist()
        )
    person = RegistryPersonTable(id_key)
    card = CardTable(id_key)
    try:
        with stats.transact_write() as transaction:
            transaction.update(
                person,
                actions=[
                    RegistryPersonTable.id_sealed.set(id_sealed),
                    RegistryPersonTable.name.set(name),
                    RegistryPersonTable.region.set(region),
                    RegistryPersonTable.unit.set(unit),
                    RegistryPersonTable.status.set(status),
                    RegistryPersonTable.photo_key.set(photo_key)
                    if photo_key
                    else RegistryPersonTable.photo_key.remove(),
                    RegistryPersonTable.reference_embedding.set(reference_embedding)
                    if reference_embedding
                    else RegistryPersonTable.reference_embedding.remove(),
                    RegistryPersonTable.row_fingerprint.set(fingerprint),
                    RegistryPersonTable.imported_at.set(now),
                ],
                condition=changed,
            )
            transaction.update(
                card,
                actions=[
                    CardTable.name.set(name),
                    CardTable.card_status.set(card_status),
                    CardTable.pin_hash.set(pin_hash) if pin_hash else CardTable.pin_hash.remove(),
                    CardTable.row_fingerprint.set(fingerprint),
                ],
            )
            if counter_deltas:
                stats.add_to_transaction(transaction, counter_deltas)
    except TransactWriteError as error:
        if failed_transaction_items(error) == [0]:
            return False
        raise
    return True


def schedule_correction(id_key: str, *, name: str | None, status: str | None,
                        effective: str) -> RegistryPersonTable:
    """Record a correction that counts from ``effective`` (YYYYMMDD); returns the item before it.

    A status correction moves the recipient counters in the same transaction, conditioned on the
    record's correction being still what was read.
    """
    for _ in range(10):
        person = RegistryPersonTable.get(id_key, consistent_read=True)
        before = RegistryPersonTable.from_raw_data(person.serialize())
        new_status = status or person.corrected_status or person.status
        deltas = stats.recipient_deltas(
            stats.counted_place(person.status, person.corrected_status, person.region, person.unit),
            stats.counted_place(person.status, new_status, person.region, person.unit),
        )
        unchanged = (
            RegistryPersonTable.corrected_status == person.corrected_status
            if person.corrected_status
            else RegistryPersonTable.corrected_status.does_not_exist()
        )
        try:
            with stats.transact_write() as transaction:
                transaction.update(
                    person,
                    actions=[
                        RegistryPersonTable.corrected_name.set(name or person.corrected_name or person.name),
                        RegistryPersonTable.corrected_status.set(new_status),
                        RegistryPersonTable.correction_effective.set(effective),
                    ],
                    condition=RegistryPersonTable.id_key.exists() & unchanged,
                )
                stats.add_to_transaction(transaction, deltas)
            return before
        except TransactWriteError as error:
            if failed_transaction_items(error) != [0]:
                raise
    raise RuntimeError("the registry record kept changing during the correction")


class IdNumberTaken(Exception):
    """The right ID number's key already holds a registry, card or certification item."""


def move_id_number(old_key: str, new_key: str, *, new_id_sealed: str, effective: str,
                   year: int) -> RegistryPersonTable:
    """An ID-number correction from ``effective`` (YYYYMMDD) on; returns the item before it.

    One transaction: a copy of the registry item at ``new_key`` (current from ``effective``),
    the old item ended at ``effective`` (it must still be unended), the card copied likewise (if
    there is one) and the certification of ``year`` copied (if there is one), so the once-a-year
    rule holds across the change. The dashboards' counters do not move: it is the same person in
    the same place. Raises IdNumberTaken when something is already at ``new_key``, DoesNotExist
    when the old item is gone, ValueError when it was already corrected.
    """
    person = RegistryPersonTable.get(old_key, consistent_read=True)
    if person.valid_until:
        raise ValueError("the registry item's ID number was already corrected")
    before = RegistryPersonTable.from_raw_data(person.serialize())
    moved = RegistryPersonTable.from_raw_data(person.serialize())
    moved.id_key, moved.id_sealed = new_key, new_id_sealed
    moved.valid_from, moved.valid_until = effective, None
    try:
        card = CardTable.get(old_key, consistent_read=True)
    except DoesNotExist:
        card = None
    try:
        certification = CertificationTable.get(old_key, year, consistent_read=True)
    except DoesNotExist:
        certification = None
    try:
        with stats.transact_write() as transaction:
            transaction.save(moved, condition=RegistryPersonTable.id_key.does_not_exist())
            transaction.update(
                person,
                actions=[RegistryPersonTable.valid_until.set(effective)],
                condition=RegistryPersonTable.id_key.exists()
                & RegistryPersonTable.valid_until.does_not_exist(),
            )
            if card is not None:
                moved_card = CardTable.from_raw_data(card.serialize())
                moved_card.id_key = new_key
                moved_card.valid_from, moved_card.valid_until = effective, None
                transaction.save(moved_card, condition=CardTable.id_key.does_not_exist())
                transaction.update(card, actions=[CardTable.valid_until.set(effective)],
                                   condition=CardTable.id_key.exists())
            if certification is not None:
                moved_certification = CertificationTable.from_raw_data(certification.serialize())
                moved_certification.subject_key = new_key
                transaction.save(moved_certification,
                                 condition=CertificationTable.subject_key.does_not_exist())
    except TransactWriteError as error:
        # PynamoDB sends the puts first, then the updates: the old item's update follows the puts.
        puts = 1 + (card is not None) + (certification is not None)
        failed = failed_transaction_items(error)
        if any(index < puts for index in failed):
            raise IdNumberTaken() from None
        if failed == [puts]:
            raise ValueError("the registry item's ID number was already corrected") from None
        raise
    return before


def set_reference_embedding(id_key: str, embedding: list[float]) -> None:
    RegistryPersonTable(id_key).update(
        actions=[RegistryPersonTable.reference_embedding.set(embedding)],
        condition=RegistryPersonTable.id_key.exists(),
    )


def record_card_failure(card: CardTable, policy: LockoutPolicy, now: datetime) -> LockState:
    return lock_counter.record_failure(CardTable, card, policy, now)


def record_card_success(card: CardTable, now: datetime) -> LockState:
    return lock_counter.record_success(CardTable, card, now)
