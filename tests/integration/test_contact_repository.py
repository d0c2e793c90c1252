"""The contacts' repository contract (pensioncert/repositories/contacts.py), run against both
stores: the in-memory one and the PynamoDB one on the emulator. Each test states one promise of
``ContactRepository``; the logic's unit tests (tests/unit/test_contact_use_cases.py) rely on the
in-memory store keeping exactly these, so a promise the two stores keep differently fails here."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.repositories.contacts import (
    ConsentOnRecord,
    Contact,
    ContactExists,
    ContactLimitReached,
    ContactNotFound,
    ContactRepository,
    InMemoryContacts,
)

ADDED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
CONSENTED_AT = ADDED_AT + timedelta(days=2)
PARALLEL = 8


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request) -> ContactRepository:
    if request.param == "in_memory":
        return InMemoryContacts()
    request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    from pensioncert.dal.contacts import PynamoDbContacts

    return PynamoDbContacts()


def new_key() -> str:
    return uuid.uuid4().hex  # the emulator's tables are shared by the session: every key is new


def contact(user_id: str, id_key: str | None = None, **fields) -> Contact:
    id_key = id_key or new_key()
    return Contact(**{"user_id": user_id, "contact_id": "c_" + id_key[:20], "id_key": id_key,
                      "id_sealed": "sealed:" + id_key, "name": "王秀英", "relation": "母亲",
                      "created_at": ADDED_AT, **fields})


def test_an_added_contact_reads_back_whole(repository):
    owner = new_key()
    added = contact(owner, owner_name="周国庆")
    repository.add(added, max_contacts=10)
    assert repository.get(owner, added.contact_id) == added
    assert repository.list_for(owner) == [added]


def test_a_contact_without_owner_name_or_consent_reads_back_as_none(repository):
    owner = new_key()
    added = contact(owner)
    repository.add(added, max_contacts=10)
    found = repository.get(owner, added.contact_id)
    assert found is not None
    assert (found.owner_name, found.consent_source, found.consent_at) == (None, None, None)


def test_a_missing_contact_is_none(repository):
    assert repository.get(new_key(), "c_nobody") is None
    assert repository.list_for(new_key()) == []


def test_the_same_contact_twice_is_refused_and_the_first_stays(repository):
    owner = new_key()
    first = contact(owner)
    repository.add(first, max_contacts=10)
    with pytest.raises(ContactExists):
        repository.add(replace(first, relation="父亲", name="王建国"), max_contacts=10)
    assert repository.list_for(owner) == [first]


def test_a_refused_duplicate_takes_no_place(repository):
    owner = new_key()
    first = contact(owner)
    repository.add(first, max_contacts=2)
    with pytest.raises(ContactExists):
        repository.add(first, max_contacts=2)
    repository.add(contact(owner), max_contacts=2)  # the second place is still free
    assert len(repository.list_for(owner)) == 2


def test_an_add_past_the_limit_is_refused_and_stores_nothing(repository):
    owner = new_key()
    kept = [contact(owner), contact(owner)]
    for each in kept:
        repository.add(each, max_contacts=2)
    refused = contact(owner)
    with pytest.raises(ContactLimitReached):
        repository.add(refused, max_contacts=2)
    assert repository.get(owner, refused.contact_id) is None
    assert repository.list_for(owner) == sorted(kept, key=lambda c: c.contact_id)


def test_at_the_limit_a_duplicate_is_told_as_a_duplicate(repository):
    owner = new_key()
    first = contact(owner)
    repository.add(first, max_contacts=1)
    with pytest.raises(ContactExists):
        repository.add(first, max_contacts=1)


def test_the_limit_is_per_account(repository):
    owner, other = new_key(), new_key()
    repository.add(contact(owner), max_contacts=1)
    repository.add(contact(other), max_contacts=1)
    assert len(repository.list_for(owner)) == len(repository.list_for(other)) == 1


def test_parallel_adds_never_pass_the_limit(repository):
    owner = new_key()
    candidates = [contact(owner) for _ in range(PARALLEL)]

    def add(candidate: Contact) -> str:
        try:
            repository.add(candidate, max_contacts=3)
        except ContactLimitReached:
            return "limit"
        return "added"

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(add, candidates))
    assert sorted(outcomes) == ["added"] * 3 + ["limit"] * (PARALLEL - 3)
    stored = [c for c, outcome in zip(candidates, outcomes, strict=True) if outcome == "added"]
    assert repository.list_for(owner) == sorted(stored, key=lambda c: c.contact_id)


def test_an_account_lists_its_own_contacts_by_id(repository):
    owner, other = new_key(), new_key()
    mine = [contact(owner) for _ in range(3)]
    for each in [*mine, contact(other)]:
        repository.add(each, max_contacts=10)
    assert repository.list_for(owner) == sorted(mine, key=lambda c: c.contact_id)


def test_a_deleted_contact_is_gone_and_frees_its_place(repository):
    owner = new_key()
    gone, kept = contact(owner), contact(owner)
    repository.add(gone, max_contacts=2)
    repository.add(kept, max_contacts=2)
    repository.delete(owner, gone.contact_id)
    assert repository.get(owner, gone.contact_id) is None
    assert repository.list_for(owner) == [kept]
    repository.add(contact(owner), max_contacts=2)  # the freed place
    with pytest.raises(ContactLimitReached):
        repository.add(contact(owner), max_contacts=2)


def test_deleting_a_missing_contact_is_refused(repository):
    owner = new_key()
    added = contact(owner)
    repository.add(added, max_contacts=1)
    repository.delete(owner, added.contact_id)
    with pytest.raises(ContactNotFound):
        repository.delete(owner, added.contact_id)
    with pytest.raises(ContactNotFound):
        repository.delete(new_key(), "c_nobody")
    repository.add(contact(owner), max_contacts=1)  # a refused delete uncounted nothing more
    with pytest.raises(ContactLimitReached):
        repository.add(contact(owner), max_contacts=1)


def test_the_relatives_side_finds_every_account_naming_the_person(repository):
    relative = new_key()
    naming = [contact(new_key(), relative), contact(new_key(), relative)]
    for each in [*naming, contact(new_key())]:
        repository.add(each, max_contacts=10)
    assert sorted(repository.having_subject(relative), key=lambda c: c.user_id) == sorted(
        naming, key=lambda c: c.user_id)
    assert repository.having_subject(new_key()) == []


def test_a_consent_is_recorded_and_a_later_one_replaces_it(repository):
    owner = new_key()
    added = contact(owner)
    repository.add(added, max_contacts=10)
    repository.record_consent(owner, added.contact_id, id_key=added.id_key, source="proxy_certification",
                              at=ADDED_AT)
    repository.record_consent(owner, added.contact_id, id_key=added.id_key, source="relative", at=CONSENTED_AT)
    assert repository.get(owner, added.contact_id) == replace(added, consent_source="relative",
                                                              consent_at=CONSENTED_AT)


def test_a_first_consent_is_recorded_once(repository):
    owner = new_key()
    added = contact(owner)
    repository.add(added, max_contacts=10)
    repository.record_consent(owner, added.contact_id, id_key=added.id_key, source="relative", at=ADDED_AT,
                              first_only=True)
    with pytest.raises(ConsentOnRecord):
        repository.record_consent(owner, added.contact_id, id_key=added.id_key, source="proxy_certification",
                                  at=CONSENTED_AT, first_only=True)
    assert repository.get(owner, added.contact_id) == replace(added, consent_source="relative", consent_at=ADDED_AT)


def test_parallel_first_consents_record_one(repository):
    owner = new_key()
    added = contact(owner)
    repository.add(added, max_contacts=10)

    def consent(n: int) -> str | None:
        try:
            repository.record_consent(owner, added.contact_id, id_key=added.id_key, source=f"source-{n}",
                                      at=ADDED_AT + timedelta(seconds=n), first_only=True)
        except ConsentOnRecord:
            return None
        return f"source-{n}"

    with ThreadPoolExecutor(PARALLEL) as pool:
        winners = [source for source in pool.map(consent, range(PARALLEL)) if source is not None]
    assert len(winners) == 1
    stored = repository.get(owner, added.contact_id)
    assert stored is not None and stored.consent_source == winners[0]


@pytest.mark.parametrize("first_only", [False, True])
def test_a_consent_for_a_missing_contact_is_refused_and_creates_nothing(repository, first_only):
    owner, relative = new_key(), new_key()
    with pytest.raises(ContactNotFound):
        repository.record_consent(owner, "c_" + relative[:20], id_key=relative, source="relative", at=ADDED_AT,
                                  first_only=first_only)
    assert repository.get(owner, "c_" + relative[:20]) is None
    assert repository.having_subject(relative) == []


@pytest.mark.parametrize("first_only", [False, True])
def test_a_consent_by_someone_the_contact_no_longer_names_is_refused(repository, first_only):
    owner = new_key()
    added = contact(owner)
    repository.add(added, max_contacts=10)
    with pytest.raises(ContactNotFound):
        repository.record_consent(owner, added.contact_id, id_key=new_key(), source="relative", at=ADDED_AT,
                                  first_only=first_only)
    assert repository.get(owner, added.contact_id) == added
