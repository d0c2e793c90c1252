"""Sending the SMS verification code: one small interface, one adapter per gateway.

SNS serves the emulator and the global regions; SNS cannot send SMS from the AWS China regions,
so deployments there use a mainland gateway (Alibaba Cloud SMS). `build_sms_sender` picks one from
settings; nothing else in the code base knows which.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pensioncert.labels import SMS_PURPOSES, VERIFICATION_SMS

PURPOSE_TEXT = SMS_PURPOSES


@dataclass(frozen=True)
class VerificationSms:
    phone: str  # 11-digit mainland mobile number, already normalised
    code: str  # 6 digits
    purpose: str  # register | reset_password | bind_phone
    ttl_minutes: int

    @property
    def text(self) -> str:
        # The code must stay the only 6-digit number in the text (the app and tests read it so).
        return VERIFICATION_SMS.format(purpose=PURPOSE_TEXT[self.purpose], code=self.code, minutes=self.ttl_minutes)

    @property
    def template_params(self) -> dict[str, str]:
        return {"code": self.code}


@dataclass(frozen=True)
class NoticeSms:
    """A notice that is not a code: the yearly certification reminder (pensioncert/jobs), the "you were
    added as a contact" SMS (logic/contacts). A mainland gateway needs an approved template per ``purpose``."""

    phone: str
    text: str
    params: tuple[tuple[str, str], ...] = ()  # a mainland gateway's template variables
    purpose: str = "reminder"

    @property
    def template_params(self) -> dict[str, str]:
        return dict(self.params)


class SmsSendError(Exception):
    """The gateway refused or could not be reached; the caller answers with a retryable error."""


class SmsSender(Protocol):
    def send(self, sms: VerificationSms | NoticeSms) -> None: ...
