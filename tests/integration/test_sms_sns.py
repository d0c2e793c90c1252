"""SnsSmsSender against moto's SNS: what it publishes is what moto records as sent."""
from __future__ import annotations

import socket

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns import sns_backends

from pensioncert.sms import SmsSendError, VerificationSms
from pensioncert.sms.sns import SnsSmsSender

SMS = VerificationSms(phone="13800138000", code="482913", purpose="register", ttl_minutes=5)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)


def capture_publish_params(client) -> list[dict]:
    """moto keeps the number and text of an SMS but not its attributes; botocore shows all three."""
    published: list[dict] = []
    client.meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: published.append(dict(params))
    )
    return published


@pytest.mark.parametrize("region", ["cn-northwest-1", "us-east-1"])
def test_publish_is_recorded_by_sns_with_mainland_number_and_text(region):
    with mock_aws():
        client = boto3.client("sns", region_name=region)
        published = capture_publish_params(client)

        SnsSmsSender(client).send(SMS)

        sent = list(sns_backends[DEFAULT_ACCOUNT_ID][region].sms_messages.values())
    assert sent == [("+8613800138000", SMS.text)]
    assert "482913" in sent[0][1]
    [params] = published
    assert params["MessageAttributes"]["AWS.SNS.SMS.SMSType"] == {
        "DataType": "String",
        "StringValue": "Transactional",
    }


def test_sns_refusal_is_an_sms_send_error_without_the_phone():
    refused = VerificationSms(phone="not-a-phone", code="482913", purpose="register", ttl_minutes=5)
    with mock_aws():
        client = boto3.client("sns", region_name="cn-northwest-1")
        with pytest.raises(SmsSendError, match="InvalidParameter") as raised:
            SnsSmsSender(client).send(refused)
        assert sns_backends[DEFAULT_ACCOUNT_ID]["cn-northwest-1"].sms_messages == {}
    assert "not-a-phone" not in str(raised.value)


def test_unreachable_endpoint_is_an_sms_send_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = boto3.client(
        "sns",
        region_name="cn-northwest-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        config=boto3.session.Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(SmsSendError, match="unreachable"):
        SnsSmsSender(client).send(SMS)
