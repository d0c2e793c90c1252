"""Tables of the agency admin (staff, audit log, aggregates, overseas residents).

Kept apart from tables.py so the admin's tables are one place; binding.py creates and binds both.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from pensioncert.dal.tables import EmbeddingAttribute, _Table, list_of


class StaffTable(_Table):
    """An agency staff account. Lock state lives here, guarded by the same counter as app accounts."""

    class Meta(_Table.Meta):
        base_name = "staff"

    username = UnicodeAttribute(hash_key=True)
    display_name = UnicodeAttribute()
    role = UnicodeAttribute()  # province_admin | operator
    regions = list_of(UnicodeAttribute, default=list)  # an operator's regions (地市)
    password_hash = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    failed_attempts = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)
    failure_mark = UnicodeAttribute(null=True)  # the last counted failure's write (dal/lock_counter.py)
    created_at = UTCDateTimeAttribute()
    last_login_at = UTCDateTimeAttribute(null=True)
    # Every session records the version it was opened under; a password change, a disable, a
    # role change or an admin's revoke adds one in the same write, which ends them all at once.
    session_version = NumberAttribute(default=0)


class StaffSessionByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_username"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)


class StaffSessionTable(_Table):
    """A signed-in staff session: the cookie carries only its random id (its SHA-256 is the key),
    so logging out deletes it and a saved cookie is worth nothing. DynamoDB TTL removes expired
    ones; the expiry is also checked on every request (TTL deletion is lazy)."""

    class Meta(_Table.Meta):
        base_name = "staff-sessions"
        ttl_attribute = "expires_at"

    session_key = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    session_version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds

    by_username = StaffSessionByUser()


class AuditByActor(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class AuditByAction(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_action"
        projection = AllProjection()

    action = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class AuditByRegion(GlobalSecondaryIndex):
    """An operator's view: the events of a region (events without a region are not in it)."""

    class Meta:
        index_name = "by_region"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class AuditTable(_Table):
    """The staff audit log: append-only (the data layer has no update or delete for it)."""

    class Meta(_Table.Meta):
        base_name = "audit"

    day = UnicodeAttribute(hash_key=True)  # YYYYMMDD, Beijing date
    at_id = UnicodeAttribute(range_key=True)  # "<ISO time +08:00>#<event id>": sorts by time
    actor = UnicodeAttribute()
    actor_name = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()  # what a person reads: masked ID, case id, account ...
    region = UnicodeAttribute(null=True)  # the region the action concerned, for operators' view
    before = UnicodeAttribute(null=True)  # JSON
    after = UnicodeAttribute(null=True)  # JSON
    reason = UnicodeAttribute(null=True)

    by_actor = AuditByActor()
    by_action = AuditByAction()
    by_region = AuditByRegion()


class StatsTable(_Table):
    """Counters the dashboards read, each updated in the transaction of the write it counts.

    ``scope``: ``<year>#province`` / ``<year>#region#<region>`` for certifications and failures,
    ``registry#province`` / ``registry#region#<region>`` for recipients; ``metric`` e.g.
    ``certified#method#app``, ``certified#month#03``, ``failed#NO_FACE``, ``recipients#unit#...``.
    """

    class Meta(_Table.Meta):
        base_name = "stats"

    scope = UnicodeAttribute(hash_key=True)
    metric = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)



class SessionTallyTable(_Table):
    """The liveness sessions each account opened and completed per Beijing day, in the region of the
    person they were for (dal/liveness_sessions.py), for the fraud signal of sessions opened without
    a completion: the sessions themselves expire after minutes. ``scope`` ``sessions#day#<YYYYMMDD>``,
    ``metric`` ``<region>#opened#<user_id>`` / ``<region>#completed#<user_id>``.
    A table of its own, written outside any transaction: DynamoDB's TTL removes the items once the
    signal's window has passed."""

    class Meta(_Table.Meta):
        base_name = "session-tallies"
        ttl_attribute = "expires_at"

    scope = UnicodeAttribute(hash_key=True)
    metric = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    expires_at = NumberAttribute()  # epoch seconds

class OverseasByRegion(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_region_agency"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    agency_id = UnicodeAttribute(range_key=True)


class OverseasByAgency(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_agency"
        projection = AllProjection()

    agency = UnicodeAttribute(hash_key=True)
    id_key = UnicodeAttribute(range_key=True)


class OverseasResidentTable(_Table):
    """A recipient living abroad (境外人员), from the ministry's list, and their photo modelling."""

    class Meta(_Table.Meta):
        base_name = "overseas"

    id_key = UnicodeAttribute(hash_key=True)
    id_sealed = UnicodeAttribute()
    name = UnicodeAttribute()
    country = UnicodeAttribute()
    agency = UnicodeAttribute()
    agency_id = UnicodeAttribute()  # "<agency>#<id_key>" for the region index
    region = UnicodeAttribute()  # from the registry: the operators' scope
    unit = UnicodeAttribute()
    phone_sealed = UnicodeAttribute(null=True)
    photo_status = UnicodeAttribute(default="none")  # none | modelled | rejected
    photo_reason = UnicodeAttribute(null=True)
    photo_key = UnicodeAttribute(null=True)
    reference_embedding = EmbeddingAttribute(null=True)
    modelled_at = UTCDateTimeAttribute(null=True)
    list_fingerprint = UnicodeAttribute()
    imported_at = UTCDateTimeAttribute()

    by_region_agency = OverseasByRegion()
    by_agency = OverseasByAgency()


class ConfirmationByState(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_state_region"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    region_created = UnicodeAttribute(range_key=True)


class ConfirmationTable(_Table):
    """A change one staff member asked for that a second must approve (rules/four_eyes.py): a manual
    certification, a staff reference photo, an unsigned event feed, a feed's death record."""

    class Meta(_Table.Meta):
        base_name = "confirmations"

    confirmation_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # rules.four_eyes.KINDS
    state = UnicodeAttribute()  # pending | approved | refused
    region = UnicodeAttribute()
    region_created = UnicodeAttribute()  # "<region>#<created_at>" for the queue index
    subject_key = UnicodeAttribute(null=True)
    subject_id_sealed = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    requested_by = UnicodeAttribute()  # staff username, or the importer's actor
    requested_by_name = UnicodeAttribute()
    visited_by = UnicodeAttribute(null=True)
    # What approving does, as JSON (sealed values stay sealed); shown to the approver.
    detail = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    decision_reason = UnicodeAttribute(null=True)

    by_state_region = ConfirmationByState()


ADMIN_TABLES: tuple = (StaffTable, StaffSessionTable, AuditTable, StatsTable, SessionTallyTable,
                       OverseasResidentTable, ConfirmationTable)
