"""Tables of data matching (issue 13): life events from other public systems, and the per-person
items they and the yearly jobs keep (suspensions, reinstatements, overpayments, review flags,
reminders sent). binding.py creates and binds them with the others."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from pensioncert.dal.tables import _Table, list_of


class LifeEventBySubject(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_subject_date"
        projection = AllProjection()

    subject_key = UnicodeAttribute(hash_key=True)
    event_date = UnicodeAttribute(range_key=True)


class LifeEventTable(_Table):
    """One event of a feed. The key is the keyed hash of ``(source, source_ref)``: importing a row
    again is a conditional put that fails, so a file imported twice changes nothing."""

    class Meta(_Table.Meta):
        base_name = "life-events"

    event_id = UnicodeAttribute(hash_key=True)
    subject_key = UnicodeAttribute()
    event_type = UnicodeAttribute()
    event_date = UnicodeAttribute()  # YYYY-MM-DD
    source = UnicodeAttribute()
    source_ref = UnicodeAttribute()
    region = UnicodeAttribute()
    imported_at = UTCDateTimeAttribute()
    imported_by = UnicodeAttribute()
    file = UnicodeAttribute(null=True)

    by_subject_date = LifeEventBySubject()


class LifeStatusByList(GlobalSecondaryIndex):
    """The admin's and the payment system's lists, one key per list and region (sparse: only
    items on a list carry ``list_key``)."""

    class Meta:
        index_name = "by_list"
        projection = AllProjection()

    list_key = UnicodeAttribute(hash_key=True)  # "<list>#<region>"
    listed_at = UnicodeAttribute(range_key=True)  # ISO time +08:00 then subject key


class LifeStatusTable(_Table):
    """Per person: ``item`` ``suspension`` (one current: suspended → reinstated), ``overpayment``,
    ``flag#exit_abroad``, ``reminder#<year>#<days>`` (written before the SMS is sent: at most one
    per point)."""

    class Meta(_Table.Meta):
        base_name = "life-status"

    subject_key = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    list_key = UnicodeAttribute(null=True)
    listed_at = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    id_sealed = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    unit = UnicodeAttribute(null=True)
    year = UnicodeAttribute(null=True)
    since = UnicodeAttribute(null=True)  # YYYY-MM-DD
    until = UnicodeAttribute(null=True)  # YYYY-MM-DD (reinstated on)
    reason = UnicodeAttribute(null=True)
    months = list_of(UnicodeAttribute, null=True)  # YYYY-MM: overpaid, or back pay
    detail = UnicodeAttribute(null=True)  # JSON
    created_at = UTCDateTimeAttribute(null=True)

    by_list = LifeStatusByList()


LIFE_TABLES: tuple[type[_Table], ...] = (LifeEventTable, LifeStatusTable)
