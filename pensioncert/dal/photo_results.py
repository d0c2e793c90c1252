"""A registry import's photo results (issue 22): what vision answered for each photo (its template,
or the refusal code), recorded once per photo so that an import run again after a crash embeds only
the photos nobody recorded. Items of the ephemeral table: they serve the reruns of an import, and
DynamoDB's TTL removes them after ``expires_at``."""
from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import PutError

from pensioncert.dal.tables import EphemeralTable
from pensioncert.dal.transactions import is_conditional_failure


def _key(photo_key: str) -> str:
    return f"importphoto#{photo_key}"


def recorded(photo_keys: Iterable[str]) -> dict[str, tuple[list[float] | None, str | None]]:
    """The results recorded for these photos: ``photo_key -> (template, refusal code)``."""
    keys = {_key(photo_key): photo_key for photo_key in photo_keys}
    return {keys[item.key]: (item.reference_embedding, item.photo_refusal)
            for item in EphemeralTable.batch_get(list(keys))}


def record(photo_key: str, *, template: list[float] | None, refusal: str | None, expires_at: int) -> bool:
    """Record a photo's result, once: False when one was recorded already (a conditional put, so two
    workers embedding the same photo never both write it)."""
    try:
        EphemeralTable(_key(photo_key), reference_embedding=template, photo_refusal=refusal,
                       expires_at=expires_at).save(condition=EphemeralTable.key.does_not_exist())
    except PutError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True
