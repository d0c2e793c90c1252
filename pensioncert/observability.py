"""Logs and metrics, created once here: a JSON logger with a correlation id and no personal data,
and the business metrics the use cases emit through one call, ``record_metric``.

Logs: aws-lambda-powertools' ``Logger`` (one JSON object per line, CloudWatch Logs on Lambda). Every
line passes through ``mask_pii`` after formatting, so an ID number or a mobile number in a message,
an extra key or a traceback leaves masked (``6101**********123X``, ``138****5678``).

Metrics: one CloudWatch Embedded Metric Format (EMF) line per event, written to the log, which is
how powertools publishes metrics (no PutMetricData call, no IAM permission beyond logs). In the local
stage the same events go to the log at DEBUG instead, so `make run` and the tests stay quiet; tests
read them with ``captured_metrics()``.
"""
from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = "pensioncert"
NAMESPACE = "PensionCert"

# The names of the business metrics (dashboards and alarms refer to these).
CERTIFICATION_PASSED = "CertificationPassed"  # dimension: method (app | proxy_app)
CERTIFICATION_FAILED = "CertificationFailed"  # dimension: reason (the vision refusal code)
ACCOUNT_LOCKED = "AccountLocked"  # dimension: login (phone | card)
LOGIN_STORM = "LoginStorm"  # wrong passwords for one login from several addresses (captcha from now)
METRIC_NAMES = (CERTIFICATION_PASSED, CERTIFICATION_FAILED, ACCOUNT_LOCKED)

# 18-character resident ID numbers (GB 11643: 17 digits and a check digit 0-9/X), and 11-digit
# mainland mobiles (1[3-9]x, optionally +86). Not inside a longer run of digits (epoch times,
# request ids), so a 13-digit millisecond timestamp is left alone.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_pii(text: str) -> str:
    """Mask every ID number and mobile number in ``text`` the way the admin shows them."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)


class PiiMaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, masked after formatting: message, extra keys and traceback alike."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_pii(super().format(record))


class PiiMaskingFilter(logging.Filter):
    """For plain stdlib handlers (e.g. the vision function's): masks the rendered message in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_pii(record.getMessage())
        record.args = None
        return True


logger = Logger(service=SERVICE, logger_formatter=PiiMaskingFormatter())


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def set_correlation_id(value: str | None) -> str:
    """Per request: API Gateway's request id on AWS, a generated one locally. Thread-safe, because
    the local server serves requests on threads (Lambda serves one at a time)."""
    correlation_id = value or new_correlation_id()
    logger.thread_safe_append_keys(correlation_id=correlation_id)
    return correlation_id


def clear_correlation_id() -> None:
    logger.thread_safe_remove_keys(["correlation_id"])


# --- metrics ---------------------------------------------------------------------------------

_captured: list[dict] | None = None


def record_metric(name: str, **dimensions: str) -> None:
    """Count one business event (value 1) with its dimensions; never raises into a use case."""
    if _captured is not None:
        _captured.append({"name": name, **dimensions})
        return
    try:
        from pensioncert.settings import get_settings

        if get_settings().is_local:
            logger.debug("metric", extra={"metric": name, "dimensions": dimensions})
            return
        with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE,
                           default_dimensions={"service": SERVICE}) as metric:
            for key, value in dimensions.items():
                metric.add_dimension(name=key, value=str(value))
    except Exception:  # observability must not turn a certification into an error
        logger.exception("metric not recorded", extra={"metric": name})


@contextlib.contextmanager
def captured_metrics() -> Iterator[list[dict]]:
    """Tests: collect ``record_metric`` calls instead of emitting them."""
    global _captured
    previous, _captured = _captured, []
    try:
        yield _captured
    finally:
        _captured = previous
