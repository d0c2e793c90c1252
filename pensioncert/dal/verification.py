"""Captchas and SMS codes: short-lived, single-use, consumed only by conditional writes."""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError

from pensioncert.dal.tables import EphemeralTable, SmsOutboxTable
from pensioncert.dal.transactions import failed_transaction_items, is_conditional_failure, write_transaction


def _captcha_key(captcha_id: str, purpose: str) -> str:
    return f"captcha#{purpose}#{captcha_id}"


def _code_key(phone_key: str, purpose: str) -> str:
    return f"sms#{phone_key}#{purpose}"


def _quota_key(phone_key: str, day: str) -> str:
    return f"smsday#{phone_key}#{day}"


def put_captcha(captcha_id: str, answer_hash: str, expires_at: int, purpose: str = "app") -> None:
    EphemeralTable(_captcha_key(captcha_id, purpose), secret_hash=answer_hash, expires_at=expires_at).save(
        condition=EphemeralTable.key.does_not_exist()
    )


def take_captcha(captcha_id: str, purpose: str = "app") -> EphemeralTable | None:
    """Delete and return the captcha drawn for ``purpose``: whoever deletes it first is its only user."""
    try:
        response = EphemeralTable._get_connection().delete_item(
            _captcha_key(captcha_id, purpose), condition=EphemeralTable.key.exists(), return_values="ALL_OLD"
        )
    except DeleteError as error:
        if is_conditional_failure(error):
            return None
        raise
    old = (response or {}).get("Attributes")
    return EphemeralTable.from_raw_data(old) if old else None


@dataclass(frozen=True)
class SmsIssue:
    ok: bool
    limited_by: str | None = None  # "resend" or "daily"


def issue_sms_code(
    phone_key: str, purpose: str, code_hash: str, *, now: int, ttl: int, resend_after: int,
    day: str, daily_limit: int,
) -> SmsIssue:
    """Store a new code and count it against the day's quota, atomically, or say which rule refused."""
    code = EphemeralTable(_code_key(phone_key, purpose))
    quota = EphemeralTable(_quota_key(phone_key, day))
    try:
        # Both items are updates so that cancellation reasons come back in this order.
        with write_transaction() as transaction:
            transaction.update(
                quota,
                actions=[EphemeralTable.sends.add(1), EphemeralTable.expires_at.set(now + 2 * 86400)],
                condition=EphemeralTable.sends.does_not_exist() | (EphemeralTable.sends < daily_limit),
            )
            transaction.update(
                code,
                actions=[
                    EphemeralTable.secret_hash.set(code_hash),
                    EphemeralTable.wrong_tries.set(0),
                    EphemeralTable.sent_at.set(now),
                    EphemeralTable.expires_at.set(now + ttl),
                ],
                condition=EphemeralTable.key.does_not_exist()
                | (EphemeralTable.sent_at <= now - resend_after),
            )
    except TransactWriteError as error:
        failed = failed_transaction_items(error)
        if not failed:
            raise
        return SmsIssue(ok=False, limited_by="daily" if failed[0] == 0 else "resend")
    return SmsIssue(ok=True)


def withdraw_sms_code(phone_key: str, purpose: str, code_hash: str) -> None:
    """Remove a code that could not be sent, so the user may ask again at once."""
    try:
        EphemeralTable(_code_key(phone_key, purpose)).delete(
            condition=EphemeralTable.secret_hash == code_hash
        )
    except DeleteError as error:
        if not is_conditional_failure(error):
            raise


def consume_sms_code(
    phone_key: str, purpose: str, code_hash: str, *, now: int, max_wrong_tries: int
) -> bool:
    """True once for the right, unexpired code; a wrong try counts, and enough of them void it."""
    try:
        item = EphemeralTable.get(_code_key(phone_key, purpose), consistent_read=True)
    except DoesNotExist:
        return False
    if item.expires_at <= now or (item.wrong_tries or 0) >= max_wrong_tries:
        return False
    if item.secret_hash == code_hash:
        try:
            item.delete(
                condition=(EphemeralTable.secret_hash == code_hash)
                & (EphemeralTable.wrong_tries < max_wrong_tries)
            )
            return True
        except DeleteError as error:
            if is_conditional_failure(error):
                return False
            raise
    try:
        item.update(
            actions=[EphemeralTable.wrong_tries.add(1)],
            condition=EphemeralTable.secret_hash == item.secret_hash,
        )
    except UpdateError as error:
        if not is_conditional_failure(error):
            raise
    return False


def record_outbox(phone_key: str, sent_at: str, text: str, expires_at: int) -> None:
    SmsOutboxTable(phone_key, sent_at, text=text, expires_at=expires_at).save()


def read_outbox(phone_key: str, limit: int = 20) -> list[SmsOutboxTable]:
    return list(SmsOutboxTable.query(phone_key, scan_index_forward=False, limit=limit))
