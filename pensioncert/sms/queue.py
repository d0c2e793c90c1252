"""Notice SMS by queue (issue 22): the work that decides a notice (the reminder job, an approved
reference photo, an added contact) puts it on an SQS queue; the consumer (pensioncert/jobs/notices.py)
sends it at the gateway's pace and records each send once. Verification codes never come here:
the user is waiting for the code (logic/sms_code.py sends it at once).

A message carries the phone sealed (``PiiVault.seal``), never in clear: a queue's messages can be
read in the console, its dead letters kept for days.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from pensioncert.observability import logger as log
from pensioncert.sms import NoticeSms

if TYPE_CHECKING:
    from pensioncert.pii import PiiVault

SQS_BATCH_ENTRIES = 10  # SendMessageBatch's most entries a call


@dataclass(frozen=True)
class QueuedNotice:
    """One notice SMS to one phone. ``notice_id`` is its identity: the purpose, the occasion (what
    it is about, once: a person's reminder point, an approval, an add) and the phone's keyed hash.
    A job run again, or a message delivered twice, finds the send recorded under it."""

    notice_id: str
    phone_sealed: str
    text: str
    params: tuple[tuple[str, str], ...] = ()
    purpose: str = "reminder"

    def body(self) -> str:
        return json.dumps({"notice_id": self.notice_id, "phone_sealed": self.phone_sealed, "text": self.text,
                           "params": [list(pair) for pair in self.params], "purpose": self.purpose},
                          ensure_ascii=False)

    @classmethod
    def from_body(cls, body: str) -> QueuedNotice:
        fields = json.loads(body)
        return cls(fields["notice_id"], fields["phone_sealed"], fields["text"],
                   tuple((name, value) for name, value in fields["params"]), fields["purpose"])

    def sms(self, vault: PiiVault) -> NoticeSms:
        return NoticeSms(vault.open(self.phone_sealed), self.text, params=self.params, purpose=self.purpose)


def queued_notice(vault: PiiVault, *, purpose: str, occasion: str, phone_sealed: str, text: str,
                  params: tuple[tuple[str, str], ...] = ()) -> QueuedNotice:
    """The notice of ``purpose`` about ``occasion`` to the phone sealed in ``phone_sealed``."""
    phone_key = vault.lookup("phone", vault.open(phone_sealed))
    return QueuedNotice(f"{purpose}#{occasion}#{phone_key}", phone_sealed, text, params, purpose)


class NoticeQueue:
    def __init__(self, sqs_client: Any, queue_name: str) -> None:
        self._sqs = sqs_client
        self._name = queue_name
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"]
        return self._url

    def put(self, notices: Sequence[QueuedNotice]) -> list[QueuedNotice]:
        """Queue the notices; returns those SQS did not take (the caller's to try again later)."""
        refused: list[QueuedNotice] = []
        for start in range(0, len(notices), SQS_BATCH_ENTRIES):
            chunk = notices[start:start + SQS_BATCH_ENTRIES]
            try:
                answer = self._sqs.send_message_batch(QueueUrl=self.url, Entries=[
                    {"Id": str(n), "MessageBody": notice.body()} for n, notice in enumerate(chunk)])
            except (BotoCoreError, ClientError):
                log.exception("notice queue unreachable")
                refused.extend(chunk)
                continue
            refused.extend(chunk[int(failed["Id"])] for failed in answer.get("Failed", []))
        return refused


def create_notice_queue(sqs_client: Any, queue_name: str, *, max_receives: int,
                        visibility_timeout_seconds: int) -> str:
    """The local stage's queue and its dead-letter queue (``<name>-dead``), with the deployed
    stage's redrive policy: a message received ``max_receives`` times without success moves there."""
    dead_url = sqs_client.create_queue(QueueName=f"{queue_name}-dead")["QueueUrl"]
    dead_arn = sqs_client.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return sqs_client.create_queue(QueueName=queue_name, Attributes={
        "VisibilityTimeout": str(visibility_timeout_seconds),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(max_receives)}),
    })["QueueUrl"]
