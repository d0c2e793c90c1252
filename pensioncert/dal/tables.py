"""The DynamoDB tables: the one definition that the local stack creates and infra deploys.

Only the data-access modules beside this file use these models; table names carry the stage
prefix from settings and are bound at start-up by ``bind_tables``, never at import time.
"""
from __future__ import annotations

import struct
from typing import Any, TypeVar, cast

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import BINARY, LIST
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

_V = TypeVar("_V")


def list_of(element: type[Attribute[_V]], **kwargs: Any) -> ListAttribute[_V]:
    """``ListAttribute(of=element)``, typed as a list of the element's values (str, float): pynamodb
    types it as a list of attribute objects (pynamodb/PynamoDB#1246)."""
    return cast("ListAttribute[_V]", ListAttribute(of=element, **kwargs))


class EmbeddingAttribute(Attribute[list]):
    """A face embedding as little-endian float32 bytes: 512 B for 128 values, where a list of
    numbers took ~2.5 KB and ~9 ms more to read from the emulator (the registry item of every
    certification; bench-certify, 2026-11-29). The embedders give float32, so nothing is lost.
    Items written before as a list of numbers still read."""

    attr_type = BINARY

    def serialize(self, value) -> bytes:
        return struct.pack(f"<{len(value)}f", *value)

    def deserialize(self, value) -> list[float]:
        if isinstance(value, list):
            return [float(number["N"]) for number in value]
        return list(struct.unpack(f"<{len(value) // 4}f", value))

    def get_value(self, value: dict[str, Any]) -> Any:
        return value[LIST] if LIST in value else super().get_value(value)


class _Table(Model):
    """Base of every table: ``base_name`` is joined to the stage prefix when bound."""

    class Meta:
        table_name = "unbound"
        base_name = ""
        billing_mode = "PAY_PER_REQUEST"
        ttl_attribute: str | None = None
        # Set by bind_tables for the stage (declared here for the type checker only).
        region: str | None
        host: str | None
        connect_timeout_seconds: int
        read_timeout_seconds: int
        max_retry_attempts: int


class AccountByPhone(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_phone"
        projection = AllProjection()

    phone_key = UnicodeAttribute(hash_key=True)


class AccountTable(_Table):
    """An app account. Lock state lives here so one conditional update guards the counter."""

    class Meta(_Table.Meta):
        base_name = "accounts"

    user_id = UnicodeAttribute(hash_key=True)
    phone_key = UnicodeAttribute(null=True)
    phone_sealed = UnicodeAttribute(null=True)
    # A card account's bound phone only receives SMS; it is not a login, so it is not unique.
    bound_phone_key = UnicodeAttribute(null=True)
    bound_phone_sealed = UnicodeAttribute(null=True)
    id_key = UnicodeAttribute()
    id_sealed = UnicodeAttribute()
    name = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()  # "phone" (registered) or "card" (first card login)
    real_name_verified = BooleanAttribute(default=False)
    failed_attempts = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)
    failure_mark = UnicodeAttribute(null=True)  # the last counted failure's write (dal/lock_counter.py)
    created_at = UTCDateTimeAttribute()
    last_login_at = UTCDateTimeAttribute(null=True)
    # The ID card portrait's template from real-name binding: the reference for self-certification
    # when the registry holds no photo of the person.
    reference_embedding = EmbeddingAttribute(null=True)
    # The token version: every token carries the one it was issued under (claim ``tv``), and the
    # auth check refuses any other. A password reset, a lock and a binding add one.
    token_version = NumberAttribute(default=0)
    # Keyed tags of the addresses the current count of wrong passwords came from (a storm from
    # several addresses asks for a captcha before the lock: rules.lockout.needs_captcha).
    failed_from = UnicodeSetAttribute(null=True)

    by_phone = AccountByPhone()


class ClaimTable(_Table):
    """Uniqueness claims: ``phone#<key>`` written with a registered account, ``id#<key>`` written
    when an account proves the ID number (real-name binding, or a card account's first login)."""

    class Meta(_Table.Meta):
        base_name = "claims"

    claim = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    # True on an ID claim taken by proof. Registration used to write unproved ID claims; one
    # without this flag is taken over by the first proof.
    proved = BooleanAttribute(null=True)
    # What proved it: "card" (the card and its PIN) or the trusted reference the face matched
    # (logic/references.py). Absent on claims proved before issue 19 by the card's portrait alone:
    # the registry import takes those back (logic/claim_recheck.py).
    proved_with = UnicodeAttribute(null=True)


class EphemeralTable(_Table):
    """Short-lived items: captchas, SMS codes, SMS daily quotas. DynamoDB TTL removes them."""

    class Meta(_Table.Meta):
        base_name = "ephemeral"
        ttl_attribute = "expires_at"

    key = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute()  # epoch seconds; also checked in code, TTL deletion is lazy
    secret_hash = UnicodeAttribute(null=True)
    wrong_tries = NumberAttribute(null=True)
    sent_at = NumberAttribute(null=True)
    # Stored as "count"; named otherwise so it does not hide Model.count().
    sends = NumberAttribute(null=True, attr_name="count")
    # The failure counter of a login phone number that has no account (answered like an account).
    failed_attempts = NumberAttribute(null=True)
    locked_until = UTCDateTimeAttribute(null=True)
    failure_mark = UnicodeAttribute(null=True)  # the last counted failure's write (dal/lock_counter.py)
    failed_from = UnicodeSetAttribute(null=True)  # as on AccountTable
    # A registry import's photo result (dal/photo_results.py): its template, or vision's refusal code.
    reference_embedding = EmbeddingAttribute(null=True)
    photo_refusal = UnicodeAttribute(null=True)


class RegistryPersonByName(GlobalSecondaryIndex):
    """Staff search by name (names are stored simplified and normalised)."""

    class Meta:
        index_name = "by_name"
        projection = AllProjection()

    name = UnicodeAttribute(hash_key=True)


class RegistryPersonByRegionName(GlobalSecondaryIndex):
    """An operator's search by name: one key per region, so no other region's match is read."""

    class Meta:
        index_name = "by_region_name"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class RegistryPersonTable(_Table):
    """A person in the pension registry, as imported from the agency's business system."""

    class Meta(_Table.Meta):
        base_name = "registry"

    id_key = UnicodeAttribute(hash_key=True)
    id_sealed = UnicodeAttribute()
    name = UnicodeAttribute()
    region = UnicodeAttribute()
    unit = UnicodeAttribute()
    status = UnicodeAttribute()
    photo_key = UnicodeAttribute(null=True)
    # The registry photo's face template, computed once at import (a certification embeds only
    # the live side).
    reference_embedding = EmbeddingAttribute(null=True)
    # A photo staff took of the person in person (counter, home visit, overseas programme), set
    # from the admin with a reason and audited; when present it is the trusted reference
    # (logic/references.py). Imports never touch these.
    staff_photo_key = UnicodeAttribute(null=True)
    staff_reference_embedding = EmbeddingAttribute(null=True)
    staff_photo_at = UTCDateTimeAttribute(null=True)
    row_fingerprint = UnicodeAttribute()
    imported_at = UTCDateTimeAttribute()
    # The id of the import write that last changed the record: a write whose answer was lost (the
    # SDK sent it again, and the second send's condition failed on the first's effect) is known as ours.
    import_write = UnicodeAttribute(null=True)
    # Write-once (if_not_exists): when the person first came into the registry; "registered this
    # year" is read from it, since every changed re-import rewrites ``imported_at``.
    first_imported_at = UTCDateTimeAttribute(null=True)
    # An agency correction takes effect from the next day (the seed: 改完次日即可正常进行认证).
    corrected_name = UnicodeAttribute(null=True)
    corrected_status = UnicodeAttribute(null=True)
    correction_effective = UnicodeAttribute(null=True)  # YYYYMMDD, Beijing date
    # An ID-number correction moves the person to the right number's key: the item at the wrong
    # number is current until ``valid_until`` (exclusive), the one at the right number from
    # ``valid_from`` on (YYYYMMDD, Beijing dates; absent: unbounded). See ``rules.is_current``.
    valid_from = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute(null=True)

    by_name = RegistryPersonByName()
    by_region_name = RegistryPersonByRegionName()


class CardTable(_Table):
    """The emulated social-security card service: card status and PIN hash, fed by the import."""

    class Meta(_Table.Meta):
        base_name = "cards"

    id_key = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    card_status = UnicodeAttribute()  # activated | not_activated | none
    pin_hash = UnicodeAttribute(null=True)
    # Write-once: when the card was first imported as activated with its PIN. From then on an
    # import never changes or removes the PIN (the cardholder's, not the uploader's).
    pin_activated_at = UTCDateTimeAttribute(null=True)
    row_fingerprint = UnicodeAttribute()
    failed_attempts = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)
    failure_mark = UnicodeAttribute(null=True)  # the last counted failure's write (dal/lock_counter.py)
    # Copied from the registry item by an ID-number correction (see RegistryPersonTable).
    valid_from = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute(null=True)


class ContactBySubject(GlobalSecondaryIndex):
    """Who has this person as a contact (GET /me/proxies): the relative's own view."""

    class Meta:
        index_name = "by_subject"
        projection = AllProjection()

    id_key = UnicodeAttribute(hash_key=True)
    contact_id = UnicodeAttribute(range_key=True)


class ContactTable(_Table):
    """A relative (亲友) added by an account; a subject only for that account.

    ``contact_id`` is derived from the account and the relative's ID number, so adding the same
    person twice is one conditional put that fails.
    """

    class Meta(_Table.Meta):
        base_name = "contacts"

    user_id = UnicodeAttribute(hash_key=True)
    contact_id = UnicodeAttribute(range_key=True)
    id_key = UnicodeAttribute()
    id_sealed = UnicodeAttribute()
    name = UnicodeAttribute()
    relation = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    owner_name = UnicodeAttribute(null=True)  # the adding account's name, masked for the relative
    # The relative's consent to this account seeing their history and payment status:
    # "relative" (confirmed from their own account) or "proxy_certification" (a proxy
    # certification matched the relative's trusted reference).
    consent_source = UnicodeAttribute(null=True)
    consent_at = UTCDateTimeAttribute(null=True)

    by_subject = ContactBySubject()


class LimitTable(_Table):
    """Items that make a limit atomic, each changed by conditional writes only: a rolling window
    of attempt times (``slots``), a count, or the subject's open home-visit case."""

    class Meta(_Table.Meta):
        base_name = "limits"

    key = UnicodeAttribute(hash_key=True)  # "<limit>#<user_id or subject key>"
    slots = list_of(NumberAttribute, null=True)  # epoch seconds of the window's attempts
    counter = NumberAttribute(null=True, attr_name="count")  # stored as "count" (Model.count() is a method)
    case_id = UnicodeAttribute(null=True)


class CertificationByRegion(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_region_time"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    certified_at = UnicodeAttribute(range_key=True)


class CertificationTable(_Table):
    """The year's certification of a subject: the key (subject, year) is the once-a-year rule."""

    class Meta(_Table.Meta):
        base_name = "certifications"

    subject_key = UnicodeAttribute(hash_key=True)
    year = NumberAttribute(range_key=True)
    method = UnicodeAttribute()  # app | proxy_app | home_visit | overseas | agency | data_match
    certified_at = UnicodeAttribute()  # ISO 8601, +08:00: sorts by time within a region
    operator_user_id = UnicodeAttribute(null=True)
    operator = UnicodeAttribute(null=True)  # what the subject's history shows as the operator
    region = UnicodeAttribute()
    unit = UnicodeAttribute()
    similarity = NumberAttribute(null=True)
    evidence_key = UnicodeAttribute(null=True)
    # What vouched for the face (logic/references.py): staff_photo, registry_photo or
    # identity_authority, with the authority's transaction id for the latter.
    reference = UnicodeAttribute(null=True)
    authority_transaction_id = UnicodeAttribute(null=True)
    certification_id = UnicodeAttribute()
    # data_match: the events that counted, JSON [{"date", "source", "event_type"}] (rules/life_events.py).
    evidence = UnicodeAttribute(null=True)
    # Set while the certification's dashboard counters are still to be moved: the batch write-back
    # stores with one put and counts in bulk afterwards (dal.certifications.count_pending).
    counters_pending = BooleanAttribute(null=True)
    # App certifications (logic/previous_template.py): the live template, sealed by the PII vault
    # (never in clear), and the keyed digest of the trusted reference it was verified against (a
    # replaced reference no longer matches it); which comparison certified the face
    # (``reference`` or ``previous_template``), the similarity to the trusted reference, and the
    # year of the certification whose template was used.
    live_template_sealed = UnicodeAttribute(null=True)
    template_reference = UnicodeAttribute(null=True)
    matched_by = UnicodeAttribute(null=True)
    reference_similarity = NumberAttribute(null=True)
    template_year = NumberAttribute(null=True)

    by_region_time = CertificationByRegion()


class AttemptTable(_Table):
    """Failed certification attempts of a subject in a year, counted atomically."""

    class Meta(_Table.Meta):
        base_name = "attempts"

    subject_key = UnicodeAttribute(hash_key=True)
    year = NumberAttribute(range_key=True)
    failed = NumberAttribute(default=0)
    last_reason = UnicodeAttribute(null=True)
    last_failed_at = UTCDateTimeAttribute(null=True)
    # Frames the subject's sessions of this year submitted (dal/frame_prints.py): one base64 string of
    # 32-byte frame hashes per completed session, and a version that makes each append conditional.
    frame_prints = list_of(UnicodeAttribute, null=True)
    prints_version = NumberAttribute(null=True)
    # The year's counted failures, whoever tried (dal/certifications.py: one JSON {"at", "reason",
    # "by"} each), on the subject's own item; a proxy's count is an item of its own (``budget_key``).
    failed_tries = list_of(UnicodeAttribute, null=True)


class LivenessSessionTable(_Table):
    """A liveness session (certification or real-name binding): random challenges, single use."""

    class Meta(_Table.Meta):
        base_name = "liveness-sessions"
        ttl_attribute = "expires_at"

    session_id = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute()  # certify | real_name
    user_id = UnicodeAttribute()
    subject = UnicodeAttribute()  # "self" or a contact_id of the user
    subject_key = UnicodeAttribute()
    challenges = list_of(UnicodeAttribute)
    nonce = UnicodeAttribute()
    expires_at = NumberAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    # What the completion answered (HTTP status and JSON body), so a retry gets the same answer.
    outcome_status = NumberAttribute(null=True)
    outcome_body = UnicodeAttribute(null=True)
    # The day's tally (dal/admin_tables.SessionTallyTable) this session's opening counted in, so its
    # completion counts in the same one (absent: none was kept, the person has no region).
    tally_scope = UnicodeAttribute(null=True)
    tally_expires_at = NumberAttribute(null=True)


class HomeVisitByStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_status_region"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    region_created = UnicodeAttribute(range_key=True)


class HomeVisitTable(_Table):
    """A home-visit case (上门认证) on the agency's queue."""

    class Meta(_Table.Meta):
        base_name = "home-visits"

    case_id = UnicodeAttribute(hash_key=True)
    subject_key = UnicodeAttribute()
    subject_id_sealed = UnicodeAttribute()
    name = UnicodeAttribute()
    region = UnicodeAttribute()
    unit = UnicodeAttribute()
    status = UnicodeAttribute()  # open | assigned | scheduled | done | failed
    region_created = UnicodeAttribute()  # "<region>#<created_at>" for the queue index
    source = UnicodeAttribute()  # app | unit_report
    reason = UnicodeAttribute()
    address_sealed = UnicodeAttribute(null=True)
    contact_phone_sealed = UnicodeAttribute(null=True)
    requested_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The agency's handling (admin): who visits, when, and how it went.
    assigned_to = UnicodeAttribute(null=True)  # a staff username
    scheduled_for = UnicodeAttribute(null=True)  # YYYY-MM-DD
    outcome = UnicodeAttribute(null=True)  # passed | failed | already_certified
    failure_reason = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    # The evidence of a passed visit (logic/manual_evidence): the photo taken there (an evidence
    # object), its similarity to the trusted reference, the visit's date, address and staff;
    # a photo below the match threshold sends the case to review (``review_id``).
    evidence_key = UnicodeAttribute(null=True)
    similarity = NumberAttribute(null=True)
    visited_on = UnicodeAttribute(null=True)
    visit_address_sealed = UnicodeAttribute(null=True)
    visited_by = UnicodeAttribute(null=True)
    review_id = UnicodeAttribute(null=True)

    by_status_region = HomeVisitByStatus()


class ReviewByState(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_state_region"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    region_created = UnicodeAttribute(range_key=True)


class ReviewTable(_Table):
    """A human review (人工复核) of a failed face check: an app certification the retiree appealed
    (``kind`` app) or a manual certification whose visit photo did not match (home_visit, overseas).
    The subject's open review is named by a marker item (``limits``: ``review#<subject>``)."""

    class Meta(_Table.Meta):
        base_name = "reviews"

    review_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # app | home_visit | overseas
    subject_key = UnicodeAttribute()
    subject_id_sealed = UnicodeAttribute()
    name = UnicodeAttribute()
    region = UnicodeAttribute()
    unit = UnicodeAttribute()
    year = NumberAttribute()
    state = UnicodeAttribute()  # pending | decided
    region_created = UnicodeAttribute()  # "<region>#<created_at>" for the queue index
    requested_by = UnicodeAttribute()  # an app user_id, or staff:<username>
    created_at = UTCDateTimeAttribute()
    due_by = UnicodeAttribute()  # ISO 8601, +08:00
    session_id = UnicodeAttribute(null=True)  # kind app: the failed session
    case_id = UnicodeAttribute(null=True)  # kind home_visit: the visit's case
    evidence_key = UnicodeAttribute(null=True)
    failure_code = UnicodeAttribute(null=True)  # what the face check answered (FACE_MISMATCH, ...)
    failure_detail = UnicodeAttribute(null=True)
    similarity = NumberAttribute(null=True)
    review_band = BooleanAttribute(null=True)  # vision put the similarity just below the match threshold
    reference = UnicodeAttribute(null=True)  # which trusted reference it was compared with
    # A visit's own facts (manual kinds): date, address, visiting staff.
    visited_on = UnicodeAttribute(null=True)
    visit_address_sealed = UnicodeAttribute(null=True)
    visited_by = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)  # passed | refused
    decided_by = UnicodeAttribute(null=True)  # staff username
    decided_by_name = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    decision_reason = UnicodeAttribute(null=True)
    certification_id = UnicodeAttribute(null=True)
    home_visit_case_id = UnicodeAttribute(null=True)

    by_state_region = ReviewByState()


class SmsOutboxTable(_Table):
    """Local stage only: what the SMS path sent, so the developer (and tests) can read codes."""

    class Meta(_Table.Meta):
        base_name = "dev-sms-outbox"
        ttl_attribute = "expires_at"

    phone_key = UnicodeAttribute(hash_key=True)
    sent_at = UnicodeAttribute(range_key=True)
    text = UnicodeAttribute()
    expires_at = NumberAttribute()


ALL_TABLES: tuple[type[_Table], ...] = (
    AccountTable,
    ClaimTable,
    EphemeralTable,
    RegistryPersonTable,
    CardTable,
    ContactTable,
    LimitTable,
    CertificationTable,
    AttemptTable,
    LivenessSessionTable,
    HomeVisitTable,
    ReviewTable,
)
LOCAL_ONLY_TABLES: tuple[type[_Table], ...] = (SmsOutboxTable,)
