"""Logs without personal data, a correlation id per request, and the business metrics."""
from __future__ import annotations

import io
import json
import logging
import types
from datetime import datetime, timedelta, timezone

import pytest
from aws_lambda_powertools import Logger

from pensioncert import observability
from pensioncert.observability import PiiMaskingFilter, PiiMaskingFormatter, captured_metrics, mask_pii


@pytest.mark.parametrize("raw, masked", [
    ("id 610102195001011234 ok", "id 6101**********1234 ok"),
    ("身份证61010219500101123X，", "身份证6101**********123X，"),
    ("phone=13812345678", "phone=138****5678"),
    ("+8613812345678 called", "+86138****5678 called"),
    ("手机号13912345678已注册", "手机号139****5678已注册"),
    ('{"phone": "15012345678", "id": "61010219500101123x"}',
     '{"phone": "150****5678", "id": "6101**********123x"}'),
])
def test_id_numbers_and_mobiles_are_masked(raw, masked):
    assert mask_pii(raw) == masked


@pytest.mark.parametrize("kept", [
    "epoch ms 1732680000000", "request 1234567890123456789012", "code 246810", "12345678901",
])
def test_other_numbers_are_left_alone(kept):
    assert mask_pii(kept) == kept


def _logger(stream) -> Logger:
    return Logger(service="test-masking", logger_formatter=PiiMaskingFormatter(),
                  logger_handler=logging.StreamHandler(stream))


def test_json_log_lines_are_masked_in_message_extra_keys_and_traceback():
    stream = io.StringIO()
    log = _logger(stream)
    log.info("login for 13812345678", extra={"id_number": "610102195001011234"})
    try:
        raise ValueError("bad id 610102195001011234")
    except ValueError:
        log.exception("failed for 13812345678")
    text = stream.getvalue()
    assert "13812345678" not in text and "610102195001011234" not in text
    first = json.loads(text.splitlines()[0])
    assert first["message"] == "login for 138****5678"
    assert first["id_number"] == "6101**********1234"


def test_the_shared_logger_masks_and_carries_the_correlation_id():
    logger = observability.logger
    assert isinstance(logger.registered_formatter, PiiMaskingFormatter)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        cid = observability.set_correlation_id("req-123")
        logger.info("sms to 13812345678")
        observability.clear_correlation_id()
        logger.info("after")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert cid == "req-123" and first["correlation_id"] == "req-123"
    assert first["message"] == "sms to 138****5678"
    assert "correlation_id" not in second
    assert observability.set_correlation_id(None)  # generated locally when there is none
    observability.clear_correlation_id()


def test_the_stdlib_filter_masks_rendered_messages():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s phone %s", ("610102195001011234", "13812345678"), None)
    assert PiiMaskingFilter().filter(record)
    assert record.getMessage() == "id 6101**********1234 phone 138****5678"


def test_metrics_are_emf_lines_in_deployed_stages_and_debug_logs_locally(monkeypatch, capsys):
    from pensioncert.settings import reset_settings

    monkeypatch.setenv("PC_STAGE", "prod")
    reset_settings()
    try:
        observability.record_metric("CertificationFailed", reason="LIVENESS_FAILED")
    finally:
        monkeypatch.undo()
        reset_settings()
    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "PensionCert"
    assert directive["Metrics"] == [{"Name": "CertificationFailed", "Unit": "Count"}]
    assert emf["CertificationFailed"] == [1.0] or emf["CertificationFailed"] == 1.0
    assert emf["reason"] == "LIVENESS_FAILED"

    monkeypatch.setenv("PC_STAGE", "local")
    reset_settings()
    try:
        observability.record_metric("AccountLocked", login="phone")
    finally:
        monkeypatch.undo()
        reset_settings()
    assert "_aws" not in capsys.readouterr().out


def test_a_lockout_is_counted_once_when_the_failure_locks(monkeypatch):
    from pensioncert.errors import AppError, ErrorCode
    from pensioncert.logic import accounts
    from pensioncert.rules.lockout import LockoutPolicy

    policy = LockoutPolicy(3, timedelta(hours=24))
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    locked = types.SimpleNamespace(failed_attempts=3, locked_until=now + timedelta(hours=24))
    open_ = types.SimpleNamespace(failed_attempts=1, locked_until=None)
    with captured_metrics() as metrics:
        for state in (open_, locked):
            with pytest.raises(AppError):
                accounts._fail(policy, state, ErrorCode.CARD_LOGIN_FAILED, now, login="card")
    assert metrics == [{"name": "AccountLocked", "login": "card"}]


def test_certification_outcomes_are_counted_by_method_and_reason(monkeypatch):
    from pensioncert.logic import certification
    from pensioncert.vision_client import VisionRefusal

    person = types.SimpleNamespace(region="西安市", unit="某单位", reference_embedding=[0.0] * 128,
                                   staff_reference_embedding=None)
    session = types.SimpleNamespace(subject="self", session_id="s1", user_id="u1", subject_key="k1")
    account = types.SimpleNamespace(user_id="u1", id_key="k1", name="王建国", reference_embedding=None)
    monkeypatch.setattr(certification.liveness, "complete_once", lambda svc, *, decide, **kw: decide(session))
    monkeypatch.setattr(certification.certifications, "reserve_attempt", lambda *a: True)
    monkeypatch.setattr(certification.certifications, "release_attempt", lambda *a: None)
    monkeypatch.setattr(certification.liveness, "store_evidence", lambda *a, **kw: "evidence/x")
    monkeypatch.setattr(certification.eligibility, "check_subject",
                        lambda svc, subject: types.SimpleNamespace(reason=None, person=person))
    monkeypatch.setattr(certification.certifications, "store_once", lambda c, **kw: True)
    monkeypatch.setattr(certification.suspensions, "lift_after_certification", lambda *a: 0)
    monkeypatch.setattr(certification, "_settled_failure", lambda *a: RuntimeError("counted"))
    monkeypatch.setattr(certification.frame_ties, "claim", lambda *a: b"")
    monkeypatch.setattr(certification.frame_ties, "recorded", lambda *a: None)  # the claim's read-ahead
    monkeypatch.setattr(certification.previous_template, "find", lambda *a: None)
    monkeypatch.setattr(certification.previous_template, "to_keep", lambda *a: {})

    class Vision:
        refuse = False

        def decide_session_evidence(self, bucket, key, references, templates=None):
            if self.refuse:
                raise VisionRefusal("FACE_MISMATCH", "")
            return {"similarity": 0.9}

    settings = types.SimpleNamespace(yearly_failed_attempts_limit=5, evidence_bucket="evidence")
    svc = types.SimpleNamespace(vision=Vision(), settings=settings, clock=types.SimpleNamespace(now=lambda: datetime(2026, 3, 1, tzinfo=timezone.utc)))
    with captured_metrics() as metrics:
        certification.complete(svc, account, "s1", [])
        svc.vision.refuse = True
        with pytest.raises(RuntimeError, match="counted"):
            certification.complete(svc, account, "s1", [])
    assert metrics == [{"name": "CertificationPassed", "method": "app"},
                       {"name": "CertificationFailed", "reason": "FACE_MISMATCH"}]
