"""The DynamoDB tables: the one definition that the local stack creates and infra deploys.

Only the data-access modules beside this file use these models; table names carry the stage
prefix from settings and are bound at start-up by ``bind_tables``, never at import time.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class _Table(Model):
    """Base of every table: ``base_name`` is joined to the stage prefix when bound."""

    class Meta:
        table_name = "unbound"
        base_name = ""
        billing_mode = "PAY_PER_REQUEST"
        ttl_attribute: str | None = None


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
    created_at = UTCDateTimeAttribute()
    last_login_at = UTCDateTimeAttribute(null=True)

    by_phone = AccountByPhone()


class ClaimTable(_Table):
    """Uniqueness claims (``phone#<key>``, ``id#<key>``) written in the account's transaction."""

    class Meta(_Table.Meta):
        base_name = "claims"

    claim = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


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
    count = NumberAttribute(null=True)


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
    row_fingerprint = UnicodeAttribute()
    imported_at = UTCDateTimeAttribute()


class CardTable(_Table):
    """The emulated social-security card service: card status and PIN hash, fed by the import."""

    class Meta(_Table.Meta):
        base_name = "cards"

    id_key = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    card_status = UnicodeAttribute()  # activated | not_activated | none
    pin_hash = UnicodeAttribute(null=True)
    row_fingerprint = UnicodeAttribute()
    failed_attempts = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)


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
)
LOCAL_ONLY_TABLES: tuple[type[_Table], ...] = (SmsOutboxTable,)
