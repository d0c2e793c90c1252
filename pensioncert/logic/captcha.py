"""Graphic captchas: 4 characters drawn by the ``captcha`` library, single use, 5 minutes.

Each is drawn for one purpose and taken only for it (issue 19, finding 14): the API's (``APP``:
SMS codes, the phone login's storm check) are drawn by anyone at ``POST /auth/captcha`` and were
accepted by the staff login; the admin's login form draws its own (``STAFF``)."""
from __future__ import annotations

import base64
import re
import secrets
from typing import TYPE_CHECKING

from captcha.image import ImageCaptcha

from pensioncert.dal import limits, verification
from pensioncert.errors import CAPTCHA_RATE_LIMITED, AppError, ErrorCode
from pensioncert.normalize import nfkc

if TYPE_CHECKING:
    from pensioncert.services import Services

# Characters that an older eye cannot confuse with another (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 4
APP = "app"
STAFF = "staff"
_CAPTCHA_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what token_urlsafe draws
_image = ImageCaptcha(width=160, height=60)


def new_captcha(svc: Services, client: str | None = None, purpose: str = APP) -> dict:
    """``client``: the caller's address; an API caller draws at most ``captcha_issues_per_client_hour``
    an hour (429, a conditional window in ``limits``). The admin's login form passes None and STAFF."""
    if client is not None:
        _take_issue(svc, client)
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    captcha_id = secrets.token_urlsafe(16)
    ttl = svc.settings.captcha_ttl_seconds
    now = int(svc.clock.now().timestamp())
    verification.put_captcha(captcha_id, _answer_hash(svc, answer), expires_at=now + ttl, purpose=purpose)
    png = _image.generate(answer, format="png").getvalue()
    result = {
        "captcha_id": captcha_id,
        "image": base64.b64encode(png).decode(),
        "expires_in": ttl,
    }
    if svc.settings.is_local:
        result["debug_answer"] = answer
    return result


def use_captcha(svc: Services, captcha_id: str, answer: str, purpose: str = APP) -> None:
    """Consume the captcha (whatever the answer: a captcha is single use) and check the answer; one
    drawn for another purpose is not found."""
    if not _CAPTCHA_ID.fullmatch(captcha_id or ""):
        raise AppError(ErrorCode.CAPTCHA_INVALID)
    stored = verification.take_captcha(captcha_id, purpose)
    now = int(svc.clock.now().timestamp())
    if (
        stored is None
        or stored.expires_at <= now
        or stored.secret_hash != _answer_hash(svc, nfkc(answer).upper())
    ):
        raise AppError(ErrorCode.CAPTCHA_INVALID)


def issue_window(settings) -> limits.Window:
    size = settings.captcha_issues_per_client_hour
    return limits.Window(f"captcha-issue-client-{size}", size, 3600)


def _take_issue(svc: Services, client: str) -> None:
    owner = svc.vault.lookup("client", client)
    if limits.take(issue_window(svc.settings), owner, int(svc.clock.now().timestamp())) is None:
        raise AppError(ErrorCode.SMS_RATE_LIMITED, CAPTCHA_RATE_LIMITED)


def _answer_hash(svc: Services, answer: str) -> str:
    return svc.vault.lookup("captcha", answer)
