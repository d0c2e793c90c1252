"""The notice queue's consumer (issue 22; its Lambda entry point is ``jobs.notice_handler``): each
notice of a batch of SQS records is claimed, sent through ``services().sms`` and marked sent, the
claim a conditional write on the notice's identity (dal/notices.py) made BEFORE the gateway is called.

Delivery is AT LEAST ONCE. A lost reminder can cost a retiree a month's pension (the suspension
job follows the due date); a second SMS is a nuisance. So a notice is given up only after a send
the gateway accepted: a failed send lets its claim go and is reported in ``batchItemFailures``
(SQS delivers it again), a consumer that dies between claim and mark leaves a claim that another
takes over once its lease (``CLAIM_LEASE_SECONDS``) has run out, and sends again. A duplicate
needs that crash, or a gateway that sent and then timed out; a message delivered twice, or to two
consumers at once, is sent once: the second finds the notice sent (and succeeds) or claimed (and
is reported failed, to come back after the first has marked it or died).

Retry limit: the queue's redrive policy moves a message received ``MAX_RECEIVES`` times without
success to the dead-letter queue (the local stage's queue on the emulator has the same policy).

Rate, deployed (the event source mapping's numbers): Alibaba Cloud SMS allows SendSms 5,000 calls
a second per account (dysmsapi 2017-05-25 flow control), shared with the verification codes,
which must never wait behind a reminder round. At most ``MAX_CONSUMERS`` (100, the mapping's
maximum concurrency) consumers each send at most ``settings.notice_sends_per_second`` (5), so
notices take at most 500 calls a second, a tenth of the account's; 10 million reminders take
about 5.6 hours from the 09:00 schedule. ``BATCH_SIZE`` (10) records a batch: at 5 a second and
at worst the gateway's 5 s timeout per send, a batch ends within ``CONSUMER_TIMEOUT_SECONDS``.
For SNS (global regions), keep ``MAX_CONSUMERS`` x the rate under the account's SMS quota.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from pensioncert.dal import notices
from pensioncert.observability import logger as log
from pensioncert.sms.queue import QueuedNotice

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from pensioncert.services import Services

BATCH_SIZE = 10
MAX_CONSUMERS = 100
MAX_RECEIVES = 5
CONSUMER_TIMEOUT_SECONDS = 60
# AWS's advice for an SQS event source: at least six times the function's timeout.
VISIBILITY_TIMEOUT_SECONDS = 6 * CONSUMER_TIMEOUT_SECONDS
# One send and its mark (the gateway's timeout is 5 s), well inside the visibility timeout: a message
# that comes back after a consumer died finds the claim's lease run out.
CLAIM_LEASE_SECONDS = 60
# Longer than SQS keeps a message (14 days at most): any delivery of a notice finds its record.
SEND_RECORD_KEEP_SECONDS = 30 * 24 * 3600


class NoticeHeld(Exception):
    """Another consumer holds the notice's claim: this delivery is reported failed, to come back."""


class SendPace:
    """At most ``per_second`` sends a second from one consumer: each send waits for its slot. (A
    token bucket library would add a dependency to the function's zip for these few lines.)"""

    def __init__(self, per_second: float, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 1.0 / per_second
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self._monotonic()
        if self._next is not None and now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


def deliver(svc: Services, records: list[dict]) -> dict:
    """Send the notices of a batch of SQS records (the Lambda event's ``Records``); answers
    ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``: only those come back."""
    if not records:
        return {"batchItemFailures": []}
    pace = SendPace(svc.settings.notice_sends_per_second)

    def send(record: SQSRecord) -> None:
        deliver_one(svc, QueuedNotice.from_body(record.body), pace)

    # Not raised when every record failed: the answer lists them all, and SQS retries exactly those.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event={"Records": records}, record_handler=send, processor=processor))


def deliver_one(svc: Services, notice: QueuedNotice, pace: SendPace) -> bool:
    """True when this call sent it, False when it had been sent; raises to have it delivered again."""
    token = uuid.uuid4().hex
    claimed = notices.claim(notice.notice_id, purpose=notice.purpose, token=token, now=svc.clock.now(),
                            lease_seconds=CLAIM_LEASE_SECONDS, keep_seconds=SEND_RECORD_KEEP_SECONDS)
    if claimed is notices.Claim.SENT:
        return False
    if claimed is notices.Claim.HELD:
        raise NoticeHeld(notice.purpose)
    pace.wait()
    try:
        svc.sms.send(notice.sms(svc.vault))
    except BaseException:
        notices.release(notice.notice_id, token=token)
        raise
    try:
        if not notices.mark_sent(notice.notice_id, token=token, now=svc.clock.now()):
            log.warning("notice sent after its claim's lease ran out", extra={"purpose": notice.purpose})
    except Exception:  # noqa: BLE001 - the gateway took it: delivering it again would send it twice
        log.exception("notice sent but not marked", extra={"purpose": notice.purpose})
    return True

