"""The notice consumer's pace (pensioncert/jobs/notices.py): at most the configured sends a second
from one consumer; and a queued notice's message carries the phone sealed and comes back whole."""
from __future__ import annotations

from pensioncert.jobs.notices import SendPace
from pensioncert.sms.queue import QueuedNotice


def test_each_send_waits_for_its_slot_at_the_configured_rate():
    now, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pace = SendPace(5.0, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(3):  # at once: the first goes, the next two wait 0.2 s each
        pace.wait()
    now[0] += 1.0  # a pause longer than a slot: the next goes at once
    pace.wait()
    assert slept == [0.2, 0.2]


def test_a_queued_notice_survives_its_message_body():
    notice = QueuedNotice("reminder#k#2026#60#p", "sealed-phone", "【养老保险】测试", (("year", "2026"),), "reminder")
    assert QueuedNotice.from_body(notice.body()) == notice
