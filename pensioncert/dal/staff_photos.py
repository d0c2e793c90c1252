"""A photo staff took of a person in person: stored, templated and audited in one transaction."""
from __future__ import annotations

from datetime import datetime

from pensioncert.dal import audit as audit_dal
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.dal.transactions import transact_if

STAFF_PHOTO_PREFIX = "staff-photos/"


def put_photo(s3, bucket: str, id_key: str, image: bytes, now: datetime) -> str:
    """Each photo under its own key (the earlier ones stay as the audit trail's evidence)."""
    key = f"{STAFF_PHOTO_PREFIX}{id_key}/{now.strftime('%Y%m%dT%H%M%S%f')}"
    s3.put_object(Bucket=bucket, Key=key, Body=image, ServerSideEncryption="AES256")
    return key


def set_photo(id_key: str, *, photo_key: str, embedding: list[float], now: datetime, audit: dict) -> bool:
    """False when the person is not in the registry."""
    def fill(transaction) -> None:
        transaction.update(
            RegistryPersonTable(id_key),
            actions=[RegistryPersonTable.staff_photo_key.set(photo_key),
                     RegistryPersonTable.staff_reference_embedding.set(embedding),
                     RegistryPersonTable.staff_photo_at.set(now)],
            condition=RegistryPersonTable.id_key.exists(),
        )
        audit_dal.in_transaction(transaction, now=now, **audit)

    return transact_if(fill)
