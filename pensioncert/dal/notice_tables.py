"""The table of notice SMS sends (pensioncert/jobs/notices.py): one item per notice, keyed by the
notice's identity, claimed before the gateway is called and marked sent after it answered.
binding.py creates and binds it with the others."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from pensioncert.dal.tables import _Table


class NoticeSendTable(_Table):
    """``state`` "claimed" (a consumer holds it until ``lease_until``) or "sent"; ``claim`` is the
    claiming consumer's token, so only it marks the send or lets the claim go."""

    class Meta(_Table.Meta):
        base_name = "notice-sends"
        ttl_attribute = "expires_at"

    notice_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    claim = UnicodeAttribute()
    lease_until = NumberAttribute()  # epoch seconds
    purpose = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute()  # epoch seconds


NOTICE_TABLES: tuple[type[_Table], ...] = (NoticeSendTable,)
