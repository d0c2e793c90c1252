"""Which gateway build_sms_sender picks, and its refusal to build a half-configured Aliyun sender."""
from __future__ import annotations

import json
import os

import pytest

from pensioncert.settings import Settings
from pensioncert.sms import PURPOSE_TEXT
from pensioncert.sms.aliyun import AliyunSmsSender
from pensioncert.sms.factory import build_sms_sender
from pensioncert.sms.sns import SnsSmsSender

ALIYUN = {
    "aliyun_access_key_id": "LTAI-test-key",
    "aliyun_access_key_secret": "test-secret",
    "aliyun_templates": {purpose: f"SMS_{i}" for i, purpose in enumerate(PURPOSE_TEXT)},
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    # Settings read PC_* variables; a developer's shell must not decide these tests.
    for name in list(os.environ):
        if name.startswith("PC_"):
            monkeypatch.delenv(name)


class RecordingClientFactory:
    def __init__(self) -> None:
        self.calls: list[Settings] = []
        self.client = object()

    def __call__(self, settings: Settings):
        self.calls.append(settings)
        return self.client


def build(**fields):
    factory = RecordingClientFactory()
    return build_sms_sender(Settings(**fields), sns_client_factory=factory), factory


@pytest.mark.parametrize(
    "fields",
    [
        {"aws_region": "cn-northwest-1", "aws_endpoint_url": "http://127.0.0.1:5000"},  # emulator
        {"aws_region": "us-east-1"},
        {"aws_region": "ap-southeast-1", **ALIYUN},
        {"sms_provider": "sns", "aws_region": "cn-northwest-1", **ALIYUN},
    ],
)
def test_sns_gets_a_client_built_from_the_settings(fields):
    sender, factory = build(**fields)

    assert isinstance(sender, SnsSmsSender)
    [settings] = factory.calls
    assert settings.aws_region == fields["aws_region"]
    assert sender._sns is factory.client


@pytest.mark.parametrize(
    "fields",
    [
        {"aws_region": "cn-northwest-1"},
        {"aws_region": "cn-north-1"},
        {"sms_provider": "aliyun", "aws_region": "us-east-1"},
        {"sms_provider": "aliyun", "aws_region": "cn-north-1", "aws_endpoint_url": "http://127.0.0.1:5000"},
    ],
)
def test_aliyun_in_china_regions_without_an_emulator_or_when_asked(fields):
    sender, factory = build(**fields, **ALIYUN)

    assert isinstance(sender, AliyunSmsSender)
    assert factory.calls == []


def test_provider_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PC_AWS_REGION", "cn-northwest-1")
    monkeypatch.setenv("PC_ALIYUN_ACCESS_KEY_ID", "LTAI-test-key")
    monkeypatch.setenv("PC_ALIYUN_ACCESS_KEY_SECRET", "test-secret")
    monkeypatch.setenv("PC_ALIYUN_TEMPLATES", json.dumps(ALIYUN["aliyun_templates"]))

    assert isinstance(build_sms_sender(Settings(), sns_client_factory=RecordingClientFactory()), AliyunSmsSender)


def test_default_sns_client_targets_the_configured_region_and_endpoint(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sender = build_sms_sender(Settings(aws_region="cn-northwest-1", aws_endpoint_url="http://127.0.0.1:5999"))

    assert isinstance(sender, SnsSmsSender)
    assert sender._sns.meta.region_name == "cn-northwest-1"
    assert sender._sns.meta.endpoint_url == "http://127.0.0.1:5999"


@pytest.mark.parametrize(
    "missing, named",
    [
        ({"aliyun_access_key_id": None}, "PC_ALIYUN_ACCESS_KEY_ID"),
        ({"aliyun_access_key_id": ""}, "PC_ALIYUN_ACCESS_KEY_ID"),
        ({"aliyun_access_key_secret": None}, "PC_ALIYUN_ACCESS_KEY_SECRET"),
        ({"aliyun_templates": {}}, "bind_phone, register, reset_password"),
        ({"aliyun_templates": {**ALIYUN["aliyun_templates"], "bind_phone": ""}}, "bind_phone"),
        ({"aliyun_templates": {"register": "SMS_1", "reset_password": "SMS_2"}}, "for bind_phone"),
    ],
)
def test_aliyun_refuses_to_build_without_keys_or_a_template_per_purpose(missing, named):
    with pytest.raises(RuntimeError, match="Aliyun SMS is selected but not configured") as raised:
        build(aws_region="cn-northwest-1", **{**ALIYUN, **missing})
    assert named in str(raised.value)
    assert "test-secret" not in str(raised.value)
