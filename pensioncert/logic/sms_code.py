"""SMS verification codes: 6 digits, single use, 5 minutes, void after 5 wrong tries,
no resend within 60 s, at most 10 a day per phone."""
from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.clock import beijing_date
from pensioncert.dal import verification
from pensioncert.errors import SMS_DAILY_LIMIT_REACHED, SMS_PURPOSE_INVALID, SMS_RESEND_WAIT, AppError, ErrorCode
from pensioncert.logic.captcha import use_captcha
from pensioncert.sms import SmsSendError, VerificationSms

if TYPE_CHECKING:
    from pensioncert.services import Services

PURPOSES = ("register", "reset_password", "bind_phone")


def request_sms_code(svc: Services, *, phone: str, captcha_id: str, captcha_answer: str, purpose: str) -> dict:
    if purpose not in PURPOSES:
        raise AppError(ErrorCode.BAD_REQUEST, SMS_PURPOSE_INVALID, field="purpose")
    number = normalize.phone(phone)
    # The captcha comes before any answer about the phone, so registered numbers cannot be listed.
    use_captcha(svc, captcha_id, captcha_answer)
    phone_key = svc.vault.lookup("phone", number)
    if purpose == "register" and svc.accounts.phone_is_registered(phone_key):
        raise AppError(ErrorCode.PHONE_ALREADY_REGISTERED)
    if purpose == "reset_password" and not svc.accounts.phone_is_registered(phone_key):
        raise AppError(ErrorCode.PHONE_NOT_REGISTERED)

    settings = svc.settings
    moment = svc.clock.now()
    now = int(moment.timestamp())
    code = f"{secrets.randbelow(10**6):06d}"
    code_hash = _code_hash(svc, number, purpose, code)
    issued = verification.issue_sms_code(
        phone_key, purpose, code_hash, now=now, ttl=settings.sms_code_ttl_seconds,
        resend_after=settings.sms_resend_seconds, day=beijing_date(moment),
        daily_limit=settings.sms_daily_limit,
    )
    if not issued.ok:
        if issued.limited_by == "daily":
            raise AppError(ErrorCode.SMS_RATE_LIMITED, SMS_DAILY_LIMIT_REACHED)
        raise AppError(
            ErrorCode.SMS_RATE_LIMITED,
            SMS_RESEND_WAIT.format(seconds=settings.sms_resend_seconds),
            resend_in=settings.sms_resend_seconds,
        )
    try:
        svc.sms.send(VerificationSms(number, code, purpose, settings.sms_code_ttl_seconds // 60))
    except SmsSendError:
        verification.withdraw_sms_code(phone_key, purpose, code_hash)
        raise AppError(ErrorCode.SMS_SEND_FAILED, retryable=True) from None
    return {"expires_in": settings.sms_code_ttl_seconds, "resend_in": settings.sms_resend_seconds}


def use_sms_code(svc: Services, *, phone: str, purpose: str, code: str) -> None:
    """Consume the code for (phone, purpose) or raise SMS_CODE_INVALID; ``phone`` is normalised."""
    code = normalize.nfkc(code)
    if not re.fullmatch(r"\d{6}", code):
        raise AppError(ErrorCode.SMS_CODE_INVALID)
    ok = verification.consume_sms_code(
        svc.vault.lookup("phone", phone), purpose, _code_hash(svc, phone, purpose, code),
        now=int(svc.clock.now().timestamp()), max_wrong_tries=svc.settings.sms_max_wrong_tries,
    )
    if not ok:
        raise AppError(ErrorCode.SMS_CODE_INVALID)


def _code_hash(svc: Services, phone: str, purpose: str, code: str) -> str:
    return svc.vault.lookup("smscode", f"{phone}:{purpose}:{code}")
