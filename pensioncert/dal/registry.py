"""The pension registry and the emulated card service, written together one row at a time."""
from __future__ import annotations

import uuid
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from pensioncert.dal import audit as audit_dal
from pensioncert.dal import lock_counter, stats
from pensioncert.dal.tables import CardTable, CertificationTable, RegistryPersonTable
from pensioncert.dal.transactions import (
    LostRace,
    failed_transaction_items,
    retry_lost_races,
    transact_if,
    write_transaction,
)
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
    reference_embedding: list[float] | None = None, counter_deltas=None,
    seen_fingerprint: str | None = None, seen_region: str | None = None, keep_pin: bool = False,
    audit: dict | None = None,
) -> bool:
    """Write the person, their card, the counters the row moves and its audit event in one
    transaction, if the record is still as the caller read it (``seen_fingerprint`` and
    ``seen_region``; both None: absent). False when it is not (the caller re-reads and decides
    again, so a region or PIN rule checked on the read also holds for the write); True when this
    call's write landed, even if its answer was lost on the way (``_written_by``).

    Never by an import: removing a reference photo (``photo_key`` None keeps the one there),
    changing ``first_imported_at`` once set, or changing a PIN once the card was imported
    activated with it (``keep_pin``, and a condition on the card for a racing activation).
    """
    write_id = uuid.uuid4().hex
    if seen_fingerprint is None:
        as_read = RegistryPersonTable.id_key.does_not_exist()
    else:
        as_read = ((RegistryPersonTable.row_fingerprint == seen_fingerprint)
                   & (RegistryPersonTable.region == seen_region)
                   & RegistryPersonTable.valid_until.does_not_exist())
    person_actions: list[Action] = [
        RegistryPersonTable.id_sealed.set(id_sealed),
        RegistryPersonTable.name.set(name),
        RegistryPersonTable.region.set(region),
        RegistryPersonTable.unit.set(unit),
        RegistryPersonTable.status.set(status),
        RegistryPersonTable.row_fingerprint.set(fingerprint),
        RegistryPersonTable.imported_at.set(now),
        RegistryPersonTable.import_write.set(write_id),
        RegistryPersonTable.first_imported_at.set(RegistryPersonTable.first_imported_at | now),
    ]
    if photo_key:
        person_actions.append(RegistryPersonTable.photo_key.set(photo_key))
        if reference_embedding:
            person_actions.append(RegistryPersonTable.reference_embedding.set(reference_embedding))
    card_actions: list[Action] = [
        CardTable.name.set(name),
        CardTable.card_status.set(card_status),
        CardTable.row_fingerprint.set(fingerprint),
    ]
    card_condition = None
    if not keep_pin:
        card_actions.append(CardTable.pin_hash.set(pin_hash) if pin_hash else CardTable.pin_hash.remove())
        card_condition = CardTable.pin_activated_at.does_not_exist() & (
            CardTable.pin_hash.does_not_exist() | (CardTable.card_status != "activated"))
        if pin_hash and card_status == "activated":
            card_actions.append(CardTable.pin_activated_at.set(CardTable.pin_activated_at | now))
    try:
        with write_transaction() as transaction:
            transaction.update(RegistryPersonTable(id_key), actions=person_actions, condition=as_read)
            transaction.update(CardTable(id_key), actions=card_actions, condition=card_condition)
            if counter_deltas:
                stats.add_to_transaction(transaction, counter_deltas)
            if audit:
                audit_dal.in_transaction(transaction, now=now, **audit)
    except TransactWriteError as error:
        if set(failed_transaction_items(error)) & {0, 1}:
            return _written_by(id_key, write_id)
        raise
    return True


def _written_by(id_key: str, write_id: str) -> bool:
    """Whether the record holds the write ``write_id``: an earlier send of the same transaction was
    applied and its answer lost, so the SDK's retry failed the condition on its own effect."""
    try:
        return RegistryPersonTable.get(id_key, consistent_read=True).import_write == write_id
    except DoesNotExist:
        return False


def pin_is_kept(card: CardTable | None) -> bool:
    """Whether an import must leave this card's PIN as it is: the card was imported activated
    with a PIN (or is activated with one, from before that was recorded)."""
    return card is not None and bool(card.pin_hash) and (
        card.pin_activated_at is not None or card.card_status == "activated")


def move_region(id_key: str, *, region: str, unit: str, seen_region: str, counter_deltas,
                now: datetime, audit: dict, overseas_marker=None) -> bool:
    """Move a person to another region (a provincial action): the record, the recipient counters,
    the person's overseas-list item if there is one (``overseas_marker``: the new region's item of
    the overseas regions list) and the audit event in one transaction; False when the record's
    region is no longer ``seen_region`` (or it was ended by an ID-number correction)."""
    from pensioncert.dal.admin_tables import OverseasResidentTable

    def fill(transaction) -> None:
        transaction.update(
            RegistryPersonTable(id_key),
            actions=[RegistryPersonTable.region.set(region), RegistryPersonTable.unit.set(unit)],
            condition=(RegistryPersonTable.region == seen_region)
            & RegistryPersonTable.valid_until.does_not_exist(),
        )
        if overseas_marker is not None:
            transaction.update(OverseasResidentTable(id_key), actions=[
                OverseasResidentTable.region.set(region), OverseasResidentTable.unit.set(unit)],
                condition=OverseasResidentTable.id_key.exists())
            transaction.update(overseas_marker, actions=[type(overseas_marker).value.set(1)])
        stats.add_to_transaction(transaction, counter_deltas)
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)


def remove_reference_photo(id_key: str, *, now: datetime, audit: dict) -> bool:
    """Remove the reference photo and its template (an explicit staff action), audited in the
    same transaction; False when there was none."""
    def fill(transaction) -> None:
        transaction.update(
            RegistryPersonTable(id_key),
            actions=[RegistryPersonTable.photo_key.remove(), RegistryPersonTable.reference_embedding.remove()],
            condition=RegistryPersonTable.id_key.exists()
            & (RegistryPersonTable.photo_key.exists() | RegistryPersonTable.reference_embedding.exists()),
        )
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)


def name_page(name: str, region: str | None, size: int, cursor: dict | None):
    """One page of the people of this name (in ``region``, or in every region), by index, and
    the cursor of the next page (None: no more)."""
    if region is None:
        results = RegistryPersonTable.by_name.query(name, limit=size, last_evaluated_key=cursor)
    else:
        results = RegistryPersonTable.by_region_name.query(
            region, RegistryPersonTable.name == name, limit=size, last_evaluated_key=cursor)
    people = list(results)
    return people, (results.last_evaluated_key if len(people) == size else None)


def schedule_correction(id_key: str, *, name: str | None, status: str | None,
                        effective: str, now: datetime | None = None,
                        audit=None) -> RegistryPersonTable:
    """Record a correction that counts from ``effective`` (YYYYMMDD); returns the item before it.

    A status correction moves the recipient counters in the same transaction, conditioned on the
    record's correction being still what was read. ``audit(before_item) -> dict`` (with ``now``)
    gives the audit event written in the same transaction.
    """
    def attempt() -> RegistryPersonTable:
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
            with write_transaction() as transaction:
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
                if audit is not None:
                    audit_dal.in_transaction(transaction, now=now, **audit(before))
            return before
        except TransactWriteError as error:
            if failed_transaction_items(error) != [0]:
                raise
            raise LostRace from None

    return retry_lost_races(attempt, attempts=10,
                            gives_up=RuntimeError("the registry record kept changing during the correction"))


class IdNumberTaken(Exception):
    """The right ID number's key already holds a registry, card or certification item."""


_MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit of items in one transaction


def move_id_number(old_key: str, new_key: str, *, new_id_sealed: str, effective: str,
                   now: datetime | None = None, audit=None) -> dict:
    """An ID-number correction from ``effective`` (YYYYMMDD) on, in one transaction per person.

    Copies to ``new_key``: the registry item (current from ``effective``), the card, every year's
    certification and failed-attempt count; ends the old registry item and card at ``effective``;
    re-points the contacts naming the old number and the account that proved it (a claim of the
    new number is added; the old claim stays, so a card login with the old number before
    ``effective`` finds the same account). An account is not moved when another account already
    proved the new number. The dashboards' counters do not move: same person, same place.
    ``audit(moved) -> dict`` gives the audit event, written in the same transaction.

    Returns counts of what moved and the item before. Raises IdNumberTaken when something is
    already at ``new_key``, DoesNotExist when the old item is gone, ValueError when it was already
    corrected.
    """
    from pensioncert.dal.accounts import id_claim
    from pensioncert.dal.tables import AccountTable, AttemptTable, ClaimTable, ContactTable

    def attempt() -> dict:
        person = RegistryPersonTable.get(old_key, consistent_read=True)
        if person.valid_until:
            raise ValueError("the registry item's ID number was already corrected")
        card = _get_or_none(CardTable, old_key)
        certs = list(CertificationTable.query(old_key, consistent_read=True))
        attempts = list(AttemptTable.query(old_key, consistent_read=True))
        contacts = list(ContactTable.by_subject.query(old_key))
        # The account that proved the old number (dal.accounts: an unproved claim is no proof).
        claim = _get_or_none(ClaimTable, id_claim(old_key))
        account = _get_or_none(AccountTable, claim.user_id) if claim and claim.proved else None
        taken = _get_or_none(ClaimTable, id_claim(new_key))
        if account is not None and (account.id_key != old_key or (taken is not None and taken.proved)):
            account = None
        moved = {"certifications": len(certs), "contacts": len(contacts), "accounts": int(account is not None)}
        puts: list = [_copy(person, id_key=new_key, id_sealed=new_id_sealed, valid_from=effective,
                            valid_until=None)]
        if card is not None:
            puts.append(_copy(card, id_key=new_key, valid_from=effective, valid_until=None))
        puts += [_copy(item, subject_key=new_key) for item in certs + attempts]
        conditions = [type(item)._hash_key_attribute().does_not_exist() for item in puts]
        if account is not None:
            puts.append(_copy(claim, claim=id_claim(new_key)))
            conditions.append(ClaimTable.claim.does_not_exist() | ClaimTable.proved.does_not_exist())
        if len(puts) + 3 + len(contacts) > _MAX_TRANSACTION_ITEMS:
            raise RuntimeError("too many items to move in one transaction")
        try:
            with write_transaction() as transaction:
                for item, condition in zip(puts, conditions):
                    transaction.save(item, condition=condition)
                transaction.update(person, actions=[RegistryPersonTable.valid_until.set(effective)],
                                   condition=RegistryPersonTable.id_key.exists()
                                   & RegistryPersonTable.valid_until.does_not_exist())
                if card is not None:
                    transaction.update(card, actions=[CardTable.valid_until.set(effective)],
                                       condition=CardTable.id_key.exists())
                for contact in contacts:
                    transaction.update(contact, actions=[ContactTable.id_key.set(new_key),
                                                         ContactTable.id_sealed.set(new_id_sealed)],
                                       condition=ContactTable.id_key == old_key)
                if account is not None:
                    transaction.update(account, actions=[AccountTable.id_key.set(new_key),
                                                         AccountTable.id_sealed.set(new_id_sealed)],
                                       condition=AccountTable.id_key == old_key)
                if audit is not None:
                    audit_dal.in_transaction(transaction, now=now, **audit(moved))
        except TransactWriteError as error:
            failed = failed_transaction_items(error)
            claim_put = len(puts) - 1 if account is not None else None
            if any(index < len(puts) and index != claim_put for index in failed):
                raise IdNumberTaken() from None
            if failed == [len(puts)]:
                raise ValueError("the registry item's ID number was already corrected") from None
            if failed:
                raise LostRace from None  # a contact, the account or the new claim changed under us
            raise
        return {**moved, "before": RegistryPersonTable.from_raw_data(person.serialize())}

    return retry_lost_races(attempt, attempts=5,
                            gives_up=RuntimeError("the person's items kept changing during the ID-number correction"))


def _get_or_none(table, *key):
    try:
        return table.get(*key, consistent_read=True)
    except DoesNotExist:
        return None


def _copy(item, **changes):
    copy = type(item).from_raw_data(item.serialize())
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy


def set_reference_embedding(id_key: str, embedding: list[float]) -> None:
    RegistryPersonTable(id_key).update(
        actions=[RegistryPersonTable.reference_embedding.set(embedding)],
        condition=RegistryPersonTable.id_key.exists(),
    )


def record_card_failure(card: CardTable, policy: LockoutPolicy, now: datetime) -> LockState:
    return lock_counter.record_failure(CardTable, card, policy, now)


def record_card_success(card: CardTable, now: datetime) -> LockState:
    return lock_counter.record_success(CardTable, card, now)
