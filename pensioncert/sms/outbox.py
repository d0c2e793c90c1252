"""Local stage only: after the real send path (SNS on the emulator), keep a copy to read back.

``GET /dev/sms-outbox`` reads these copies; they exist because a developer has no phone on the
emulator's end. Deployed stages never build this wrapper.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert.clock import iso_beijing
from pensioncert.sms import NoticeSms, SmsSender, VerificationSms

if TYPE_CHECKING:
    from pensioncert.services import Services

OUTBOX_RETENTION_SECONDS = 86400


class OutboxRecordingSender:
    def __init__(self, inner: SmsSender, services: Services) -> None:
        self._inner = inner
        self._services = services

    def send(self, sms: VerificationSms | NoticeSms) -> None:
        from pensioncert.dal import verification

        self._inner.send(sms)
        now = self._services.clock.now()
        verification.record_outbox(
            phone_key=self._services.vault.lookup("phone", sms.phone),
            sent_at=iso_beijing(now) + f"#{now.timestamp():.6f}",
            text=sms.text,
            expires_at=int(now.timestamp()) + OUTBOX_RETENTION_SECONDS,
        )
