"""Life events and the per-person items of data matching (dal/life_tables.py)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from pensioncert.clock import iso_beijing
from pensioncert.dal import audit as audit_dal
from pensioncert.dal.life_tables import LifeEventTable, LifeStatusTable
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.dal.transactions import (
    batch_pause,
    failed_transaction_items,
    is_conditional_failure,
    is_conflict_or_throttled,
    retry_conflicts,
    write_transaction,
)

# A batch's transaction cancelled by throttling or a conflict is sent again this many times.
_BATCH_RETRIES = 8


def put_new(events: list[LifeEventTable], audits: Iterable[dict], now: datetime) -> list[bool]:
    """Put a batch of events (at most 99 with their audit events) in one transaction, each only if
    its ``event_id`` is new; returns for each whether it was new. Events already there are dropped
    and the rest written again; a throttled or conflicting batch is retried with backoff."""
    audits = list(audits)
    pending = list(range(len(events)))
    new = [False] * len(events)

    def write_pending() -> None:
        # A retry goes on from the events still pending: the retries count over the whole batch.
        nonlocal pending
        while pending:
            try:
                with write_transaction() as transaction:
                    for index in pending:
                        transaction.save(events[index], condition=LifeEventTable.event_id.does_not_exist())
                    for fields in audits:
                        audit_dal.in_transaction(transaction, now=now, **fields)
            except TransactWriteError as error:
                failed = failed_transaction_items(error)
                if not failed:
                    raise
                # Puts come first in the transaction: these positions are events already stored.
                pending = [index for position, index in enumerate(pending) if position not in failed]
                continue
            for index in pending:
                new[index] = True
            pending = []

    retry_conflicts(write_pending, retries=_BATCH_RETRIES, retryable=is_conflict_or_throttled, pause=batch_pause)
    return new


def get_event(event_id: str) -> LifeEventTable | None:
    try:
        return LifeEventTable.get(event_id, consistent_read=True)
    except DoesNotExist:
        return None


def events_of(subject_key: str) -> list[LifeEventTable]:
    """A person's events, oldest first (one index query)."""
    return list(LifeEventTable.by_subject_date.query(subject_key))


def people(keys: list[str]) -> dict[str, RegistryPersonTable]:
    """Registry items by key, read in batches of 100 (BatchGetItem)."""
    return {person.id_key: person for person in RegistryPersonTable.batch_get(keys)}


# --- per-person items ---------------------------------------------------------------------------

SUSPENSION = "suspension#"  # + year: the year whose certification was missed
OVERPAYMENT = "overpayment"
EXIT_FLAG = "flag#exit_abroad"


def reminder_item(year: int, days: int) -> str:
    return f"reminder#{year}#{days}"


JOB_SUBJECT = "job"  # the items that record a finished job run per region


def job_done(job: str) -> bool:
    return get_item(JOB_SUBJECT, job) is not None


def mark_job_done(job: str, now: datetime, detail: str) -> None:
    LifeStatusTable(JOB_SUBJECT, job, created_at=now, detail=detail).save()


def list_key(name: str, region: str) -> str:
    return f"{name}#{region}"


def get_item(subject_key: str, item: str) -> LifeStatusTable | None:
    try:
        return LifeStatusTable.get(subject_key, item, consistent_read=True)
    except DoesNotExist:
        return None


def put_once(entry: LifeStatusTable) -> bool:
    """Put a per-person item unless it exists (a reminder point, a suspension, an overpayment):
    False when someone was there first."""
    try:
        entry.save(condition=LifeStatusTable.item.does_not_exist())
        return True
    except PutError as error:
        if is_conditional_failure(error):
            return False
        raise


def save_if(entry: LifeStatusTable, condition) -> bool:
    from pensioncert.dal.transactions import save_if as _save_if

    return _save_if(entry, condition)


def delete(subject_key: str, item: str) -> None:
    LifeStatusTable(subject_key, item).delete()


def listed(name: str, region: str, now_text: str, subject_key: str) -> dict:
    """The index fields that put an item on list ``name`` of ``region``."""
    return {"list_key": list_key(name, region), "listed_at": f"{now_text}#{subject_key}"}


def suspension_item(year: int) -> str:
    return f"{SUSPENSION}{year}"


def open_suspensions(subject_key: str) -> list[LifeStatusTable]:
    """The person's suspensions not yet lifted (one query on the person's own items)."""
    return list(LifeStatusTable.query(subject_key, LifeStatusTable.item.startswith(SUSPENSION),
                                      filter_condition=LifeStatusTable.state == "suspended",
                                      consistent_read=True))


def reinstate(entry: LifeStatusTable, *, certified_at: str, months: list[str]) -> bool:
    """Lift a suspension on a certification: ``suspended`` → ``reinstated``, moved from the
    suspension list to the back-payment list, conditioned on it being suspended (a second
    certification, or a racing one, finds it reinstated and does nothing)."""
    subject_key = entry.subject_key
    try:
        entry.update(actions=[
            LifeStatusTable.state.set("reinstated"),
            LifeStatusTable.until.set(certified_at[:10]),
            LifeStatusTable.months.set(months),
            LifeStatusTable.list_key.set(list_key("reinstated", entry.region)),
            LifeStatusTable.listed_at.set(f"{certified_at}#{subject_key}"),
        ], condition=LifeStatusTable.state == "suspended")
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def recipients_page(region: str, size: int, cursor: dict | None):
    """One page of a region's recipients (the status as it counts today: a scheduled status
    correction counts at once, like the dashboards' counters), by the registry's region index
    (``by_region_name``), never a scan; and the next cursor (None: end). The condition runs on
    the server: other statuses are read (and paid for) but not sent."""
    results = RegistryPersonTable.by_region_name.query(
        region, limit=size, last_evaluated_key=cursor,
        filter_condition=(((RegistryPersonTable.status == "recipient")
                           & RegistryPersonTable.corrected_status.does_not_exist())
                          | (RegistryPersonTable.corrected_status == "recipient"))
        & RegistryPersonTable.valid_until.does_not_exist())
    people = list(results)
    return people, results.last_evaluated_key


def certified_keys(keys: list[str], year: int) -> set[str]:
    """Which of these people have the year's certification (BatchGetItem, 100 keys a call)."""
    from pensioncert.dal.tables import CertificationTable

    return {item.subject_key for item in CertificationTable.batch_get(
        [(key, year) for key in keys], attributes_to_get=["subject_key", "year"])}


def phones_of(subject_key: str, relatives: Iterable[str]) -> list[tuple[str, str]]:
    """Where a reminder reaches the person: ``[(sealed phone, "self" | "relative")]``: the
    account that proved this ID number (its login or bound phone), then the accounts
    ``relatives`` (user ids: the caller chose which of the person's contacts hear; their
    login phone). No phone is stored in the registry."""
    from pensioncert.dal.accounts import find_by_id_key
    from pensioncert.dal.tables import AccountTable

    found: list[tuple[str, str]] = []
    own = find_by_id_key(subject_key)
    if own is not None and (own.bound_phone_sealed or own.phone_sealed):
        found.append((own.bound_phone_sealed or own.phone_sealed, "self"))
    for user_id in relatives:
        try:
            account = AccountTable.get(user_id)
        except DoesNotExist:
            continue
        sealed = account.bound_phone_sealed or account.phone_sealed
        if sealed:
            found.append((sealed, "relative"))
    return found


def list_page(name: str, region: str, size: int, cursor: dict | None):
    """One page of list ``name`` of ``region`` (oldest first) and the next cursor (None: end)."""
    results = LifeStatusTable.by_list.query(list_key(name, region), limit=size, last_evaluated_key=cursor)
    items = list(results)
    return items, (results.last_evaluated_key if len(items) == size else None)


def whole_list(name: str, region: str) -> list[LifeStatusTable]:
    items, cursor = [], None
    while True:
        page, cursor = list_page(name, region, 500, cursor)
        items += page
        if cursor is None:
            return items


def now_text(now: datetime) -> str:
    return iso_beijing(now)
