"""The contacts' use cases (pensioncert/logic/contacts.py) without AWS: the contacts in the
in-memory repository (held to the same contract as DynamoDB's by
tests/integration/test_contact_repository.py), the notice queue a list. The aggregates that have no
repository yet (the add window in dal.limits, the audit, the registry, the accounts) are stand-ins
set on the dal modules for each test; they go when those aggregates get their repositories."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from support import unique_id_number

from pensioncert import labels, normalize
from pensioncert.clock import FakeClock
from pensioncert.dal import limits
from pensioncert.errors import (
    CONSENT_TO_CERTIFY_REQUIRED,
    CONTACT_IS_SELF,
    CONTACT_NOT_FOUND,
    PROXY_NOT_FOUND,
    RELATION_INVALID,
    AppError,
    ErrorCode,
)
from pensioncert.logic import contacts
from pensioncert.logic.subjects import SELF, Subject
from pensioncert.pii import PiiVault
from pensioncert.repositories.contacts import Contact, ContactNotFound, InMemoryContacts
from pensioncert.services import Services
from pensioncert.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


class Notices:
    """The notice queue: what was put, and whether it refuses."""

    def __init__(self) -> None:
        self.put_notices: list = []
        self.refuse = False

    def put(self, notices):
        self.put_notices += notices
        return list(notices) if self.refuse else []


@pytest.fixture
def world(monkeypatch):
    """A Services on the in-memory contacts, and the other aggregates' stand-ins: ``accounts`` by
    ID key (find_by_id_key), ``people`` the registry by ID key, ``audit`` what was appended,
    ``windows`` the add attempts taken per account (a rolling window like dal.limits.take)."""
    settings = Settings(contact_adds_per_day=5, max_contacts=3, pii_key="k" * 32, token_secret="t" * 64)
    notices = Notices()
    svc = Services(settings=settings, vault=PiiVault("k" * 32), clock=FakeClock(NOW), contacts=InMemoryContacts(),
                   _notices=notices)
    state = SimpleNamespace(svc=svc, notices=notices, accounts={}, people={}, audit=[], windows={})

    def take(window, owner, now):
        times = [t for t in state.windows.get((window.name, owner), []) if t > now - window.seconds]
        if len(times) >= window.size:
            return None
        state.windows[window.name, owner] = [*times, now]
        return limits.Taken(slot=len(times), at=now, left=window.size - len(times) - 1)

    monkeypatch.setattr(contacts.limits, "take", take)
    svc.accounts = SimpleNamespace(find_by_id_key=state.accounts.get)  # type: ignore[assignment]
    monkeypatch.setattr(contacts.registry, "get_person", state.people.get)
    monkeypatch.setattr(contacts.audit, "append", lambda **event: state.audit.append(event))
    return state


def an_account(svc, name="周国庆", *, phone=None, bound_phone=None):
    """An app account: its user id, its own ID number's key and its phones (sealed and keyed)."""
    id_number = unique_id_number(1960)
    return SimpleNamespace(
        user_id="u_" + svc.vault.lookup("user", id_number)[:12], id_number=id_number,
        id_key=svc.vault.lookup("id", id_number), name=name,
        phone_sealed=phone and svc.vault.seal(phone), phone_key=phone and svc.vault.lookup("phone", phone),
        bound_phone_sealed=bound_phone and svc.vault.seal(bound_phone),
        bound_phone_key=bound_phone and svc.vault.lookup("phone", bound_phone),
    )


def add(world, account, id_number, *, name="王秀英", relation="母亲"):
    return contacts.add_contact(world.svc, account, name=name, id_number=id_number, relation=relation)


def raised(call) -> tuple[ErrorCode, str, dict]:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value.code, caught.value.message, caught.value.extra


# Adding a contact

def test_an_added_contact_is_stored_as_the_logic_built_it(world):
    owner = an_account(world.svc)
    mother = unique_id_number(1940)
    answer = add(world, owner, mother, name=" 王秀英 ", relation="母亲 ")
    contact_id = contacts.contact_id_for(world.svc, owner.user_id, mother)
    assert answer == {"contact_id": contact_id}
    stored = world.svc.contacts.get(owner.user_id, contact_id)
    assert stored is not None
    assert (stored.id_key, stored.name, stored.relation, stored.created_at, stored.owner_name) == (
        world.svc.vault.lookup("id", mother), "王秀英", "母亲", NOW, "周国庆")
    assert world.svc.vault.open(stored.id_sealed) == mother
    assert (stored.consent_source, stored.consent_at) == (None, None)


def test_an_add_is_audited_with_its_outcome_masked(world):
    owner = an_account(world.svc)
    mother = unique_id_number(1940)
    world.people[world.svc.vault.lookup("id", mother)] = SimpleNamespace(region="西安市")
    add(world, owner, mother)
    assert world.audit == [{
        "now": NOW, "actor": f"app:{owner.user_id}", "actor_name": "周**", "action": "contact_add",
        "target": normalize.mask_id_number(mother), "region": "西安市", "before": None,
        "after": '{"outcome": "added", "relation": "母亲"}', "reason": None,
    }]


@pytest.mark.parametrize("relation", ["", "  ", "关" * 21])
def test_a_bad_relation_is_refused_before_it_counts(world, relation):
    owner = an_account(world.svc)
    assert raised(lambda: add(world, owner, unique_id_number(1940), relation=relation)) == (
        ErrorCode.BAD_REQUEST, RELATION_INVALID, {"field": "relation"})
    assert (world.windows, world.audit, world.svc.contacts.list_for(owner.user_id)) == ({}, [], [])


def test_a_relation_of_twenty_characters_is_taken(world):
    owner = an_account(world.svc)
    add(world, owner, unique_id_number(1940), relation="关" * 20)
    assert [c.relation for c in world.svc.contacts.list_for(owner.user_id)] == ["关" * 20]


def test_oneself_is_refused_and_counts(world):
    owner = an_account(world.svc)
    assert raised(lambda: add(world, owner, owner.id_number)) == (
        ErrorCode.BAD_REQUEST, CONTACT_IS_SELF, {"field": "id_number"})
    assert world.svc.contacts.list_for(owner.user_id) == []
    assert len(world.windows["contact-adds", owner.user_id]) == 1
    assert world.audit[0]["after"] == '{"outcome": "self", "relation": "母亲"}'


def test_the_same_person_twice_is_refused_and_the_first_stays(world):
    owner = an_account(world.svc)
    mother = unique_id_number(1940)
    add(world, owner, mother)
    first = world.svc.contacts.list_for(owner.user_id)
    world.svc.clock.advance(minutes=5)
    assert raised(lambda: add(world, owner, mother, relation="岳母"))[0] is ErrorCode.CONTACT_EXISTS
    assert world.svc.contacts.list_for(owner.user_id) == first
    assert [event["after"] for event in world.audit] == ['{"outcome": "added", "relation": "母亲"}',
                                                          '{"outcome": "exists", "relation": "岳母"}']


def test_past_the_limit_an_add_is_refused(world):
    owner = an_account(world.svc)  # max_contacts is 3 here
    for _ in range(3):
        add(world, owner, unique_id_number(1940))
    assert raised(lambda: add(world, owner, unique_id_number(1940)))[0] is ErrorCode.CONTACT_LIMIT
    assert len(world.svc.contacts.list_for(owner.user_id)) == 3
    assert world.audit[-1]["after"] == '{"outcome": "limit", "relation": "母亲"}'


def test_the_sixth_attempt_in_a_day_is_refused_and_the_next_day_taken(world):
    owner = an_account(world.svc)
    mother = unique_id_number(1940)
    add(world, owner, mother)
    for _ in range(4):  # refused attempts count too
        assert raised(lambda: add(world, owner, mother))[0] is ErrorCode.CONTACT_EXISTS
    assert raised(lambda: add(world, owner, unique_id_number(1940)))[0] is ErrorCode.CONTACT_RATE_LIMITED
    assert world.audit[-1]["after"] == '{"outcome": "rate_limited", "relation": "母亲"}'
    world.svc.clock.advance(hours=24)
    add(world, owner, unique_id_number(1940))
    assert len(world.svc.contacts.list_for(owner.user_id)) == 2


def test_the_relative_is_told_on_their_bound_phone(world):
    owner = an_account(world.svc)
    relative = an_account(world.svc, "王秀英", phone="13800000001", bound_phone="13900000002")
    world.accounts[relative.id_key] = relative
    contact_id = add(world, owner, relative.id_number)["contact_id"]
    [notice] = world.notices.put_notices
    assert (notice.purpose, notice.phone_sealed, notice.text) == (
        "contact_added", relative.bound_phone_sealed, labels.CONTACT_ADDED_SMS.format(name="周**"))
    assert notice.notice_id == (f"contact_added#{contact_id}#{NOW.timestamp():.6f}#"
                                f"{world.svc.vault.lookup('phone', '13900000002')}")


def test_a_relative_without_a_bound_phone_is_told_on_their_login_phone(world):
    owner = an_account(world.svc)
    relative = an_account(world.svc, "王秀英", phone="13800000001")
    world.accounts[relative.id_key] = relative
    add(world, owner, relative.id_number)
    assert [n.phone_sealed for n in world.notices.put_notices] == [relative.phone_sealed]


def test_a_relative_without_an_account_is_told_nothing(world):
    add(world, an_account(world.svc), unique_id_number(1940))
    assert world.notices.put_notices == []


def test_only_an_added_contact_is_told(world):
    owner = an_account(world.svc)
    relative = an_account(world.svc, "王秀英", phone="13800000001")
    world.accounts[relative.id_key] = relative
    add(world, owner, relative.id_number)
    raised(lambda: add(world, owner, relative.id_number))
    assert len(world.notices.put_notices) == 1


def test_a_notice_the_queue_refused_does_not_undo_the_add(world):
    owner = an_account(world.svc)
    relative = an_account(world.svc, "王秀英", phone="13800000001")
    world.accounts[relative.id_key] = relative
    world.notices.refuse = True
    contact_id = add(world, owner, relative.id_number)["contact_id"]
    assert world.svc.contacts.get(owner.user_id, contact_id) is not None


# Listing and deleting

def test_the_list_is_oldest_first_with_the_id_number_masked(world):
    owner = an_account(world.svc)
    first, second = unique_id_number(1940), unique_id_number(1940)
    add(world, owner, first, name="王秀英", relation="母亲")
    world.svc.clock.advance(minutes=1)
    add(world, owner, second, name="周建华", relation="父亲")
    add(world, an_account(world.svc), unique_id_number(1940))  # someone else's
    assert contacts.list_contacts(world.svc, owner) == {"items": [
        {"contact_id": contacts.contact_id_for(world.svc, owner.user_id, first), "name": "王秀英",
         "id_number_masked": normalize.mask_id_number(first), "relation": "母亲"},
        {"contact_id": contacts.contact_id_for(world.svc, owner.user_id, second), "name": "周建华",
         "id_number_masked": normalize.mask_id_number(second), "relation": "父亲"},
    ]}


def test_no_contacts_is_an_empty_list(world):
    assert contacts.list_contacts(world.svc, an_account(world.svc)) == {"items": []}


def test_a_deleted_contact_is_gone_and_its_place_free(world):
    owner = an_account(world.svc)
    ids = [add(world, owner, unique_id_number(1940))["contact_id"] for _ in range(3)]
    contacts.delete_contact(world.svc, owner, ids[0])
    assert [c.contact_id for c in world.svc.contacts.list_for(owner.user_id)] == sorted(ids[1:])
    add(world, owner, unique_id_number(1940))


def test_deleting_what_is_not_ones_contact_is_not_found(world):
    owner, other = an_account(world.svc), an_account(world.svc)
    contact_id = add(world, owner, unique_id_number(1940))["contact_id"]
    assert raised(lambda: contacts.delete_contact(world.svc, other, contact_id)) == (
        ErrorCode.NOT_FOUND, CONTACT_NOT_FOUND, {})
    assert world.svc.contacts.get(owner.user_id, contact_id) is not None


@pytest.mark.parametrize("contact_id", ["", "c" * 65])
def test_a_contact_id_out_of_bounds_is_not_found(world, contact_id):
    assert raised(lambda: contacts.delete_contact(world.svc, an_account(world.svc), contact_id)) == (
        ErrorCode.NOT_FOUND, CONTACT_NOT_FOUND, {})


# The relative's side: who has me, my consent

def test_the_relative_sees_who_has_them_masked_and_unconsented(world):
    relative = an_account(world.svc, "王秀英")
    son, daughter = an_account(world.svc, "周国庆"), an_account(world.svc, "周丽")
    add(world, son, relative.id_number)
    world.svc.clock.advance(minutes=1)
    add(world, daughter, relative.id_number)
    assert contacts.my_proxies(world.svc, relative) == {"items": [
        {"proxy_id": contacts.contact_id_for(world.svc, son.user_id, relative.id_number), "name_masked": "周**",
         "added_at": "2026-03-01T17:00:00+08:00", "consent": False},
        {"proxy_id": contacts.contact_id_for(world.svc, daughter.user_id, relative.id_number),
         "name_masked": "周*", "added_at": "2026-03-01T17:01:00+08:00", "consent": False},
    ]}


def test_a_contact_of_ones_own_account_is_not_a_proxy(world):
    relative = an_account(world.svc)
    world.svc.contacts.add(Contact(  # as an ID-number correction could leave it
        user_id=relative.user_id, contact_id="c_own", id_key=relative.id_key, id_sealed="x", name="王秀英",
        relation="本人", created_at=NOW), max_contacts=3)
    assert contacts.my_proxies(world.svc, relative) == {"items": []}


def test_the_relatives_consent_is_recorded_and_shown(world):
    relative, son = an_account(world.svc, "王秀英"), an_account(world.svc, "周国庆")
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    world.svc.clock.advance(hours=2)
    assert contacts.consent(world.svc, relative, proxy_id) == {"consent": True}
    stored = world.svc.contacts.get(son.user_id, proxy_id)
    assert stored is not None
    assert (stored.consent_source, stored.consent_at) == (contacts.CONSENT_BY_RELATIVE, world.svc.clock.now())
    assert [item["consent"] for item in contacts.my_proxies(world.svc, relative)["items"]] == [True]


def test_consenting_for_someone_elses_proxy_is_not_found(world):
    relative, stranger, son = an_account(world.svc), an_account(world.svc), an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    assert raised(lambda: contacts.consent(world.svc, stranger, proxy_id)) == (
        ErrorCode.NOT_FOUND, PROXY_NOT_FOUND, {})
    stored = world.svc.contacts.get(son.user_id, proxy_id)
    assert stored is not None and stored.consent_source is None


@pytest.mark.parametrize("proxy_id", ["", "c" * 65, "c_unknown"])
def test_consenting_for_an_unknown_proxy_is_not_found(world, proxy_id):
    assert raised(lambda: contacts.consent(world.svc, an_account(world.svc), proxy_id)) == (
        ErrorCode.NOT_FOUND, PROXY_NOT_FOUND, {})


def test_a_proxy_deleted_after_the_index_read_is_not_found(world):
    """The relatives' side is read from an index (eventually consistent): the contact may be gone
    by the time the consent is written, and the write's condition says so."""
    relative, son = an_account(world.svc), an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    stale = world.svc.contacts.having_subject(relative.id_key)
    world.svc.contacts.delete(son.user_id, proxy_id)
    world.svc.contacts.having_subject = lambda id_key: stale
    assert raised(lambda: contacts.consent(world.svc, relative, proxy_id)) == (
        ErrorCode.NOT_FOUND, PROXY_NOT_FOUND, {})


# Consent by a proxy certification

def test_a_proxy_certification_records_consent(world):
    relative, son = an_account(world.svc), an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    contact = world.svc.contacts.get(son.user_id, proxy_id)
    world.svc.clock.advance(days=1)
    contacts.consent_by_certification(world.svc, contact)
    assert world.svc.contacts.get(son.user_id, proxy_id) == replace(
        contact, consent_source=contacts.CONSENT_BY_PROXY_CERTIFICATION, consent_at=world.svc.clock.now())


def test_the_relatives_own_consent_given_meanwhile_stands(world):
    """The contact was read (consent None) when the session opened; the relative consented before
    it completed: the first consent stands, and nothing is raised."""
    relative, son = an_account(world.svc), an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    read_at_resolve = world.svc.contacts.get(son.user_id, proxy_id)
    contacts.consent(world.svc, relative, proxy_id)
    world.svc.clock.advance(days=1)
    contacts.consent_by_certification(world.svc, read_at_resolve)
    stored = world.svc.contacts.get(son.user_id, proxy_id)
    assert stored is not None
    assert (stored.consent_source, stored.consent_at) == (contacts.CONSENT_BY_RELATIVE, NOW)


def test_a_consented_contact_is_not_written_again(world):
    relative, son = an_account(world.svc), an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    contacts.consent(world.svc, relative, proxy_id)
    consented = world.svc.contacts.get(son.user_id, proxy_id)
    writes = []
    world.svc.contacts.record_consent = lambda *args, **kwargs: writes.append(args)
    contacts.consent_by_certification(world.svc, consented)
    assert writes == []


def test_a_contact_deleted_before_the_certification_completed_is_left_alone(world):
    relative, son = an_account(world.svc), an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    contact = world.svc.contacts.get(son.user_id, proxy_id)
    contacts.delete_contact(world.svc, son, proxy_id)
    contacts.consent_by_certification(world.svc, contact)
    assert world.svc.contacts.get(son.user_id, proxy_id) is None
    with pytest.raises(ContactNotFound):  # the repository did refuse: the use case chose to let it be
        world.svc.contacts.record_consent(son.user_id, proxy_id, id_key=relative.id_key, source="relative", at=NOW)


# Consent to certify (contract v1.2)

def subject_for(world, relative, *, consented: bool) -> Subject:
    son = an_account(world.svc)
    proxy_id = add(world, son, relative.id_number)["contact_id"]
    if consented:
        contacts.consent(world.svc, relative, proxy_id)
    contact = world.svc.contacts.get(son.user_id, proxy_id)
    assert contact is not None
    return Subject(proxy_id, contact.id_key, contact.name, contact)


def test_oneself_needs_no_consent(world):
    me = an_account(world.svc, phone="13800000001")
    world.accounts[me.id_key] = me
    contacts.require_consent_to_certify(world.svc, Subject(SELF, me.id_key, me.name))


def test_a_consented_relative_may_be_certified(world):
    relative = an_account(world.svc, phone="13800000001")
    world.accounts[relative.id_key] = relative
    contacts.require_consent_to_certify(world.svc, subject_for(world, relative, consented=True))


@pytest.mark.parametrize("phones", [{"phone": "13800000001"}, {"bound_phone": "13900000002"}])
def test_a_relative_with_a_phone_of_their_own_must_consent_first(world, phones):
    relative = an_account(world.svc, **phones)
    world.accounts[relative.id_key] = relative
    subject = subject_for(world, relative, consented=False)
    assert raised(lambda: contacts.require_consent_to_certify(world.svc, subject)) == (
        ErrorCode.CONSENT_REQUIRED, CONSENT_TO_CERTIFY_REQUIRED, {})


def test_a_relative_without_an_account_cannot_consent_so_is_not_asked(world):
    relative = an_account(world.svc, phone="13800000001")  # not in world.accounts: no account proved it
    contacts.require_consent_to_certify(world.svc, subject_for(world, relative, consented=False))


def test_a_relative_whose_account_has_no_phone_is_not_asked(world):
    relative = an_account(world.svc)  # a card-login account, no phone
    world.accounts[relative.id_key] = relative
    contacts.require_consent_to_certify(world.svc, subject_for(world, relative, consented=False))


@pytest.mark.parametrize(("name", "masked"), [("周国庆", "周**"), ("周丽", "周*"), ("周", "周*"), ("", "*"),
                                              ("阿依古丽·买买提", "阿*******")])
def test_a_name_is_masked_to_its_first_character(name, masked):
    assert contacts.mask_name(name) == masked
