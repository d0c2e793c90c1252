"""Notice SMS by queue (issue 22; pensioncert/sms/queue.py, pensioncert/jobs/notices.py): the
reminder job queues and sends nothing itself; the consumer sends each notice once however often
and by how many consumers SQS delivers it, gives a failed send back to the queue alone, takes over
a dead consumer's claim only after its lease, and the queue's redrive ends the retries."""
from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from datetime import datetime

import pytest
from support import unique_id_number, unique_phone

from pensioncert.dal import notices as sends
from pensioncert.jobs import local_notices
from pensioncert.jobs.notices import CLAIM_LEASE_SECONDS, MAX_RECEIVES, deliver
from pensioncert.sms import SmsSendError
from pensioncert.sms.queue import NoticeQueue, QueuedNotice, create_notice_queue, queued_notice


class RecordingSender:
    def __init__(self, fail: bool = False, hold: threading.Event | None = None) -> None:
        self.sent: list = []
        self.tries = 0
        self._fail = fail
        self._hold = hold
        self.entered = threading.Event()

    def send(self, sms) -> None:
        self.tries += 1
        self.entered.set()
        if self._hold is not None:
            self._hold.wait(10)
        if self._fail:
            raise SmsSendError("gateway refused")
        self.sent.append(sms)


def a_queue(svc, visibility_timeout_seconds: int = 0) -> NoticeQueue:
    """A queue of this test's own, with the deployed redrive policy; no drain on put."""
    name = f"test-notices-{uuid.uuid4().hex[:12]}"
    create_notice_queue(svc.client("sqs"), name, max_receives=MAX_RECEIVES,
                        visibility_timeout_seconds=visibility_timeout_seconds)
    return NoticeQueue(svc.client("sqs"), name)


def consumer(svc, sender: RecordingSender, queue: NoticeQueue | None = None):
    return dataclasses.replace(svc, _sms=sender, _notices=queue)


def a_notice(svc, phone: str | None = None) -> QueuedNotice:
    return queued_notice(svc.vault, purpose="reminder", occasion=f"test#{uuid.uuid4().hex}",
                         phone_sealed=svc.vault.seal(phone or unique_phone()), text="【养老保险待遇资格认证】测试提醒")


def record(notice: QueuedNotice, message_id: str | None = None) -> dict:
    return {"messageId": message_id or str(uuid.uuid4()), "receiptHandle": "r", "body": notice.body(),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}


def failures(answer: dict) -> list[str]:
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


def received(svc, queue_url: str) -> list[dict]:
    return svc.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                             WaitTimeSeconds=0).get("Messages", [])


def test_the_reminder_job_queues_the_notices_and_sends_none_itself(svc):
    from pensioncert import passwords
    from pensioncert.clock import BEIJING, FakeClock
    from pensioncert.dal import life_events
    from pensioncert.jobs import reminders
    from pensioncert.logic.accounts import new_user_id
    from pensioncert.logic.registry_import import import_registry
    from pensioncert.repositories.accounts import Account

    region = f"通知队列测试{unique_id_number()[-7:]}市"
    id_number, phone = unique_id_number(1946), unique_phone()
    assert import_registry(svc, "id_number,name,region,unit,status,card_status,card_password,photo\n"
                           f"{id_number},周秀兰,{region},某单位,recipient,activated,135791,\n", None, None).errors == []
    svc.accounts.create(Account(
        new_user_id(), phone_key=svc.vault.lookup("phone", phone), phone_sealed=svc.vault.seal(phone),
        id_key=svc.vault.lookup("id", id_number), id_sealed=svc.vault.seal(id_number), name="周秀兰",
        created_by="phone", real_name_verified=True, failed_attempts=0, created_at=svc.clock.now()),
        passwords.hash_secret(svc.settings, "Shaanxi2026"), claim_id=True)
    queue, gateway = a_queue(svc), RecordingSender()
    job = consumer(svc, gateway, queue)
    job.clock = FakeClock(datetime(2026, 11, 1, 9, tzinfo=BEIJING))  # 60 days before 31 December

    report = reminders.run(job, only_regions=[region])
    assert (report.point, report.sent, report.messages) == (60, 1, 1)
    assert gateway.tries == 0  # queued, not sent
    [message] = received(svc, queue.url)
    notice = QueuedNotice.from_body(message["Body"])
    key = svc.vault.lookup("id", id_number)
    assert notice.notice_id.startswith(f"reminder#{key}#2026#60#")
    assert phone not in message["Body"] and svc.vault.open(notice.phone_sealed) == phone

    # The job again (its region's run forgotten): the reminder record keeps it from queueing twice.
    life_events.delete(life_events.JOB_SUBJECT, f"reminders#2026#60#{region}")
    assert reminders.run(job, only_regions=[region]).already == 1
    svc.client("sqs").change_message_visibility(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"],
                                                VisibilityTimeout=0)
    assert len(received(svc, queue.url)) == 1

    assert failures(deliver(job, [record(notice)])) == []
    assert [sms.phone for sms in gateway.sent] == [phone] and "2026年12月31日" in gateway.sent[0].text


def test_a_message_delivered_twice_is_sent_once(svc):
    gateway = RecordingSender()
    notice = a_notice(svc)
    for _ in range(2):  # SQS delivers at least once
        assert failures(deliver(consumer(svc, gateway), [record(notice)])) == []
    assert gateway.tries == 1
    assert sends.state_of(notice.notice_id) == "sent"


def test_a_claim_that_meets_its_own_earlier_send_is_taken(svc):
    """The claim's put was written and its answer lost; the SDK's resend fails its condition on
    the first send's claim. That claim is this consumer's (its token): it sends now, not after the
    lease. Another consumer's claim is still held."""
    notice, now = a_notice(svc), svc.clock.now()
    claim = {"purpose": notice.purpose, "now": now, "lease_seconds": CLAIM_LEASE_SECONDS, "keep_seconds": 3600}
    assert sends.claim(notice.notice_id, token="ours", **claim) is sends.Claim.TAKEN
    assert sends.claim(notice.notice_id, token="ours", **claim) is sends.Claim.TAKEN
    assert sends.claim(notice.notice_id, token="theirs", **claim) is sends.Claim.HELD


def test_two_consumers_at_once_send_once_the_conditional_write_decides(svc):
    notice, hold = a_notice(svc), threading.Event()
    first, second = RecordingSender(hold=hold), RecordingSender()
    message = record(notice)
    answers: list[dict] = []
    in_flight = threading.Thread(target=lambda: answers.append(deliver(consumer(svc, first), [message])))
    in_flight.start()
    assert first.entered.wait(10)  # the first has claimed it and is at the gateway

    assert failures(deliver(consumer(svc, second), [message])) == [message["messageId"]]  # back to the queue
    hold.set()
    in_flight.join(10)
    assert failures(answers[0]) == []
    assert failures(deliver(consumer(svc, second), [message])) == []  # now found sent
    assert (first.tries, second.tries) == (1, 0)


def test_many_consumers_racing_for_one_notice_send_it_once(svc):
    notice, gateway = a_notice(svc), RecordingSender()
    message, start = record(notice), threading.Barrier(6)

    def consume() -> None:
        start.wait(10)
        deliver(consumer(svc, gateway), [message])

    racers = [threading.Thread(target=consume) for _ in range(6)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    assert gateway.tries == 1


def test_a_gateway_failure_leaves_only_that_notice_to_retry(svc):
    good, bad = record(a_notice(svc)), record(a_notice(svc))
    broken = RecordingSender(fail=True)
    assert failures(deliver(consumer(svc, broken), [bad])) == [bad["messageId"]]
    assert sends.state_of(QueuedNotice.from_body(bad["body"]).notice_id) is None  # its claim let go

    class FailsOne(RecordingSender):
        def send(self, sms) -> None:
            if sms.phone == broken_phone:
                raise SmsSendError("gateway refused")
            super().send(sms)

    broken_phone = QueuedNotice.from_body(bad["body"]).sms(svc.vault).phone
    answer = deliver(consumer(svc, FailsOne()), [good, bad])
    assert failures(answer) == [bad["messageId"]]

    working = RecordingSender()
    assert failures(deliver(consumer(svc, working), [good, bad])) == []
    assert working.tries == 1  # the good one was sent before, the bad one now


def test_a_claim_left_by_a_dead_consumer_is_sent_again_after_its_lease_at_least_once(svc):
    notice, gateway = a_notice(svc), RecordingSender()
    assert sends.claim(notice.notice_id, purpose="reminder", token="died-mid-send", now=svc.clock.now(),
                       lease_seconds=CLAIM_LEASE_SECONDS, keep_seconds=3600) is sends.Claim.TAKEN
    message = record(notice)
    assert failures(deliver(consumer(svc, gateway), [message])) == [message["messageId"]]
    assert gateway.tries == 0  # within the lease: the claimant may still be sending

    svc.clock.advance(seconds=CLAIM_LEASE_SECONDS + 1)
    assert failures(deliver(consumer(svc, gateway), [message])) == []
    assert gateway.tries == 1 and sends.state_of(notice.notice_id) == "sent"


def test_after_the_retry_limit_the_message_is_in_the_dead_letter_queue(svc):
    queue, gateway = a_queue(svc, visibility_timeout_seconds=0), RecordingSender(fail=True)
    notice = a_notice(svc)
    assert queue.put([notice]) == []

    assert local_notices.drain(consumer(svc, gateway, queue), queue) == 0
    assert gateway.tries == MAX_RECEIVES
    assert received(svc, queue.url) == []
    dead_url = svc.client("sqs").get_queue_url(QueueName=queue.url.rsplit("/", 1)[1] + "-dead")["QueueUrl"]
    [dead] = received(svc, dead_url)
    assert QueuedNotice.from_body(dead["Body"]) == notice


def test_the_local_drain_delivers_and_deletes_what_was_sent(svc):
    queue, gateway = a_queue(svc, visibility_timeout_seconds=30), RecordingSender()
    notices = [a_notice(svc) for _ in range(12)]
    assert queue.put(notices) == []
    assert local_notices.drain(consumer(svc, gateway, queue), queue) == 12
    assert gateway.tries == 12 and received(svc, queue.url) == []


def test_the_lambda_handler_sends_an_event_s_notices_through_the_stage_s_sender(api, svc):
    from pensioncert.jobs.notice_handler import handle

    phone = unique_phone()
    notice = a_notice(svc, phone)
    assert handle({"Records": [record(notice)]}, None) == {"batchItemFailures": []}
    assert handle({"Records": []}, None) == {"batchItemFailures": []}
    outbox = json.loads(api.http.get(f"/dev/sms-outbox?phone={phone}").body)["messages"]
    assert [message["text"] for message in outbox] == [notice.text]


@pytest.fixture(autouse=True)
def quick_pace(svc, monkeypatch):
    monkeypatch.setattr(svc.settings, "notice_sends_per_second", 100.0)
