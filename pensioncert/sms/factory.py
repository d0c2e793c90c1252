"""Build the SMS sender the settings ask for; the only place that knows which gateway is in use."""
from __future__ import annotations

from collections.abc import Callable

import boto3

from pensioncert.settings import Settings
from pensioncert.sms import PURPOSE_TEXT, SmsSender
from pensioncert.sms.aliyun import AliyunSmsSender
from pensioncert.sms.sns import SnsSmsSender


def default_sns_client(settings: Settings):
    return boto3.client("sns", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


def build_sms_sender(
    settings: Settings, *, sns_client_factory: Callable[[Settings], object] | None = None
) -> SmsSender:
    provider = settings.resolved_sms_provider
    if provider == "sns":
        return SnsSmsSender((sns_client_factory or default_sns_client)(settings))
    if provider == "aliyun":
        return _build_aliyun(settings)
    raise RuntimeError(f"unknown SMS provider {provider!r}")


def _build_aliyun(settings: Settings) -> AliyunSmsSender:
    key_id = settings.aliyun_access_key_id or ""
    secret = settings.aliyun_access_key_secret.get_secret_value() if settings.aliyun_access_key_secret else ""
    missing = [
        name
        for name, value in (
            ("PC_ALIYUN_ACCESS_KEY_ID", key_id),
            ("PC_ALIYUN_ACCESS_KEY_SECRET", secret),
        )
        if not value
    ]
    missing_purposes = sorted(p for p in PURPOSE_TEXT if not settings.aliyun_templates.get(p))
    if missing_purposes:
        missing.append(f"PC_ALIYUN_TEMPLATES entries for {', '.join(missing_purposes)}")
    if missing:
        # Refuse at start-up rather than on the first citizen who asks for a code.
        raise RuntimeError(f"Aliyun SMS is selected but not configured: missing {'; '.join(missing)}")
    return AliyunSmsSender(
        endpoint=settings.aliyun_endpoint,
        access_key_id=key_id,
        access_key_secret=secret,
        sign_name=settings.sms_sign_name,
        templates=settings.aliyun_templates,
    )
