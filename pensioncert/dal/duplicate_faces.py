"""The duplicate-face check's data: every current reference template of the registry, and the
review list of faces found under two ID numbers (per-person items of ``life_tables.LifeStatusTable``
on list ``duplicate_face``, one item on each side of a pair, each listed in its person's region)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pensioncert.dal import audit as audit_dal
from pensioncert.dal import life_events
from pensioncert.dal.life_tables import LifeStatusTable
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.dal.transactions import transact_if

LIST = "duplicate_face"
OPEN = "open"  # then the agency's finding: SAME_PERSON or DIFFERENT_PEOPLE
SAME_PERSON, DIFFERENT_PEOPLE = "same_person", "different_people"
PAIR_ITEM = "duplicate_face#"  # + the other person's key
JOB = "duplicate_faces"  # the job item recording the last nightly run

REGISTRY_PHOTO, STAFF_PHOTO = "registry_photo", "staff_photo"


@dataclass(frozen=True)
class Person:
    id_key: str
    id_sealed: str
    name: str
    region: str
    unit: str
    status: str
    photo_key: str | None
    staff_photo_key: str | None


@dataclass(frozen=True)
class ReferenceTemplate:
    person: Person
    source: str  # REGISTRY_PHOTO | STAFF_PHOTO
    template: list[float]
    set_at: datetime | None  # when the record was last imported, or the staff photo taken


_FIELDS = ("id_key", "id_sealed", "name", "region", "unit", "status", "photo_key", "reference_embedding",
           "staff_photo_key", "staff_reference_embedding", "staff_photo_at", "imported_at", "valid_until")


def reference_templates() -> Iterator[ReferenceTemplate]:
    """Every reference template of a current record (an ID number the agency corrected away is
    ended, and its copy at the right number is the record), read in one pass over the registry:
    the batch job needs all of them, so this is a scan, never a read per person."""
    for item in RegistryPersonTable.scan(attributes_to_get=list(_FIELDS)):
        if item.valid_until:
            continue
        person = Person(item.id_key, item.id_sealed, item.name, item.region, item.unit, item.status,
                        item.photo_key, item.staff_photo_key)
        if item.reference_embedding:
            yield ReferenceTemplate(person, REGISTRY_PHOTO, list(item.reference_embedding), item.imported_at)
        if item.staff_reference_embedding:
            yield ReferenceTemplate(person, STAFF_PHOTO, list(item.staff_reference_embedding), item.staff_photo_at)


def list_pair(one: Person, other: Person, *, similarity: float, sources: tuple[str, str], now: datetime) -> bool:
    """Put the pair on the list, an item on each side (each region sees it); False when it was
    already listed (the check runs again over the same faces without listing them twice)."""
    now_text = life_events.now_text(now)
    new = False
    sides = ((one, other, sources[0], sources[1]), (other, one, sources[1], sources[0]))
    for person, partner, own_source, partner_source in sides:
        detail = {"other": partner.id_key, "similarity": round(similarity, 4),
                  "source": own_source, "other_source": partner_source}
        new |= life_events.put_once(LifeStatusTable(
            person.id_key, PAIR_ITEM + partner.id_key, **life_events.listed(LIST, person.region, now_text, person.id_key),
            state=OPEN, name=person.name, id_sealed=person.id_sealed, region=person.region, unit=person.unit,
            detail=json.dumps(detail), created_at=now))
    return new


def decide_pair(one_key: str, other_key: str, *, finding: str, reason: str, now: datetime, audit: dict) -> bool:
    """The agency's finding on an open pair, on both sides, with its audit event, in one
    transaction; False when the pair was already decided."""
    def fill(transaction) -> None:
        actions = [LifeStatusTable.state.set(finding), LifeStatusTable.reason.set(reason)]
        transaction.update(LifeStatusTable(one_key, PAIR_ITEM + other_key), actions=actions,
                           condition=LifeStatusTable.state == OPEN)
        transaction.update(LifeStatusTable(other_key, PAIR_ITEM + one_key), actions=actions,
                           condition=LifeStatusTable.item.exists())
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)


def listed_in(region: str) -> list[LifeStatusTable]:
    """The list's items of one region (each names the other person in its ``detail``)."""
    return life_events.whole_list(LIST, region)


def last_run() -> datetime | None:
    item = life_events.get_item(life_events.JOB_SUBJECT, JOB)
    return item.created_at if item is not None else None


def mark_run(now: datetime, detail: dict) -> None:
    life_events.mark_job_done(JOB, now, json.dumps(detail))
