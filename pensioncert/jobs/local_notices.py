"""The notice queue the local stage's settings select (``services.notices`` when ``is_local``), in
place of the deployed queue's event source mapping (deployed: SQS invokes ``jobs.notices.handle``):
the queue is drained on the emulator by the same consumer, right after a process of the local stage
puts notices on it (so /dev/sms-outbox shows a reminder when the job returns). `make run` also
drains it every few seconds (localstage/notice_drain.py), so that the notices whose send failed come
back after the queue's visibility timeout, as deployed."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pensioncert.jobs.notices import BATCH_SIZE, deliver
from pensioncert.sms.queue import NoticeQueue, QueuedNotice

if TYPE_CHECKING:
    from pensioncert.services import Services

log = logging.getLogger(__name__)


def drain(svc: Services, queue: NoticeQueue) -> int:
    """Deliver the queue's visible messages as the event source mapping would, batch by batch,
    until a receive finds none; returns the messages delivered or found sent (deleted)."""
    sqs = svc.client("sqs")
    done = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=BATCH_SIZE, WaitTimeSeconds=0,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return done
        failed = {failure["itemIdentifier"] for failure in deliver(svc, [_record(m) for m in messages])[
            "batchItemFailures"]}
        delivered = [m for m in messages if m["MessageId"] not in failed]
        if delivered:
            sqs.delete_message_batch(QueueUrl=queue.url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(delivered)])
        done += len(delivered)


def _record(message: dict) -> dict:
    """A received message in the shape of a Lambda SQS event's record."""
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"], "attributes": message.get("Attributes", {}), "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs"}


class DeliveredOnPut(NoticeQueue):
    """The local stage's notice queue: puts, then drains in the putting process."""

    def __init__(self, sqs_client: Any, queue_name: str, services: Services) -> None:
        super().__init__(sqs_client, queue_name)
        self._services = services

    def put(self, notices: Sequence[QueuedNotice]) -> list[QueuedNotice]:
        refused = super().put(notices)
        if len(refused) < len(notices):
            try:
                drain(self._services, self)
            except Exception:  # as deployed, the consumer's trouble is never the putter's
                log.exception("notice queue drain failed")
        return refused
