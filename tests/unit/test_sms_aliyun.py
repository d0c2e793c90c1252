"""AliyunSmsSender against a local stand-in for the SendSms HTTP API that checks requests the way the
real gateway does (parameters, version, timestamp, nonce, HMAC-SHA1 signature)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from pensioncert.clock import FakeClock
from pensioncert.sms import SmsSendError, VerificationSms
from pensioncert.sms.aliyun import AliyunSmsSender, rpc_signature

ACCESS_KEY_ID = "LTAI-test-key"
ACCESS_KEY_SECRET = "test-secret-不要泄露"
SIGN_NAME = "养老保险认证"
TEMPLATES = {"register": "SMS_100001", "reset_password": "SMS_100002", "bind_phone": "SMS_100003"}

REQUIRED = (
    "AccessKeyId", "Action", "Version", "Timestamp", "SignatureMethod", "SignatureVersion",
    "SignatureNonce", "Signature", "PhoneNumbers", "SignName", "TemplateCode",
)  # fmt: skip

# Signatures computed by the official SDK (alibabacloud-tea-openapi 0.4.6, Utils.get_rpcsignature)
# for these parameters and the secret "testSecret": an oracle independent of both the adapter and
# the fake below.
SDK_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": "13800138000",
    "SignName": "养老保险认证", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
    "TemplateCode": "SMS_123456789", "TemplateParam": '{"code":"123456"}',
    "Timestamp": "2024-05-01T02:42:19Z", "Version": "2017-05-25",
}  # fmt: skip
SDK_VECTORS = [
    ("POST", SDK_PARAMS, "qTKxdxQmiC3nPg4/FcnEG/5MR4Q="),
    ("GET", SDK_PARAMS, "IAjQDp9tKqjKUcCda9jdxa89ehw="),
    # space, * and ~ are where RFC 3986 and form encoding differ
    (
        "POST",
        {**SDK_PARAMS, "SignName": "养老 保险*认证~", "TemplateParam": '{"code": "123456"}'},
        "WY4QKvqv9aXA6i50+Y8eaP29Pxo=",
    ),
]

_UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _rfc3986(text: str) -> str:
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def gateway_signature(method: str, params: dict[str, str], secret: str) -> str:
    """The gateway's side of the check, written apart from the adapter's signer on purpose."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(_rfc3986(k) + "=" + _rfc3986(v) for k, v in pairs)
    to_sign = method + "&" + _rfc3986("/") + "&" + _rfc3986(canonical)
    mac = hmac.new((secret + "&").encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeSmsGateway:
    def __init__(self) -> None:
        self.secrets = {ACCESS_KEY_ID: ACCESS_KEY_SECRET}
        self.received: list[dict] = []  # accepted SendSms calls: params plus "_method"
        self.business_error: tuple[str, str] | None = None  # (Code, Message) for the next sends
        self.raw_answer: tuple[int, bytes] | None = None
        self.hold = False  # True: each request waits for ``released``, then is dropped unanswered
        self.released = threading.Event()
        self._nonces: set[str] = set()
        self._lock = threading.Lock()

    def answer(self, method: str, params: dict[str, str]) -> tuple[int, dict]:
        def error(status: int, code: str, message: str) -> tuple[int, dict]:
            return status, {"RequestId": str(uuid.uuid4()), "Code": code, "Message": message}

        for name in REQUIRED:
            if not params.get(name):
                return error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if params["Action"] != "SendSms":
            return error(400, "InvalidAction.NotFound", "Specified api is not found")
        if params["Version"] != "2017-05-25":
            return error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if (params["SignatureMethod"], params["SignatureVersion"]) != ("HMAC-SHA1", "1.0"):
            return error(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
        if params.get("Format", "JSON").upper() != "JSON":
            return error(400, "InvalidParameter", "This stand-in answers JSON only.")
        secret = self.secrets.get(params["AccessKeyId"])
        if secret is None:
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return error(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        if abs(datetime.now(timezone.utc) - stamp) > timedelta(minutes=15):
            return error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date header is expired.")
        expected = gateway_signature(method, params, secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        with self._lock:
            if params["SignatureNonce"] in self._nonces:
                return error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(params["SignatureNonce"])
        try:
            if not isinstance(json.loads(params.get("TemplateParam", "{}")), dict):
                raise ValueError
        except ValueError:
            return error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if self.business_error:
            return error(200, *self.business_error)
        with self._lock:
            self.received.append({**params, "_method": method})
        return 200, {"RequestId": str(uuid.uuid4()), "Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}


def _handler_for(gateway: FakeSmsGateway):
    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if body and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
            if gateway.hold:  # no answer in time: the request is dropped once released
                gateway.released.wait(timeout=30)
                return
            if gateway.raw_answer:
                status, payload = gateway.raw_answer
            else:
                status, answer = gateway.answer(self.command, params)
                payload = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def gateway():
    fake = FakeSmsGateway()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    yield fake
    server.shutdown()
    server.server_close()


def make_sender(endpoint: str, *, secret: str = ACCESS_KEY_SECRET, timeout: float = 5.0,
                clock=None) -> AliyunSmsSender:
    return AliyunSmsSender(
        endpoint=endpoint,
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=secret,
        sign_name=SIGN_NAME,
        templates=TEMPLATES,
        timeout_seconds=timeout,
        clock=clock,
    )


SMS = VerificationSms(phone="13800138000", code="482913", purpose="reset_password", ttl_minutes=5)


@pytest.mark.parametrize("method, params, signature", SDK_VECTORS)
def test_signer_and_fake_agree_with_the_official_sdk(method, params, signature):
    assert rpc_signature(method, params, "testSecret") == signature
    assert gateway_signature(method, params, "testSecret") == signature


def test_send_reaches_the_gateway_signed_with_phone_sign_template_and_code(gateway):
    make_sender(gateway.url).send(SMS)

    [call] = gateway.received
    assert call["_method"] == "POST"
    assert call["Action"] == "SendSms" and call["Version"] == "2017-05-25"
    assert call["AccessKeyId"] == ACCESS_KEY_ID
    assert call["PhoneNumbers"] == "13800138000"
    assert call["SignName"] == SIGN_NAME
    assert call["TemplateCode"] == TEMPLATES["reset_password"]
    assert json.loads(call["TemplateParam"]) == {"code": "482913"}


def test_each_send_is_signed_afresh(gateway):
    sender = make_sender(gateway.url)
    for purpose in TEMPLATES:
        sender.send(VerificationSms(phone="13900139000", code="111111", purpose=purpose, ttl_minutes=5))

    assert [c["TemplateCode"] for c in gateway.received] == list(TEMPLATES.values())
    assert len({c["SignatureNonce"] for c in gateway.received}) == len(TEMPLATES)


def test_wrong_secret_is_rejected_by_the_gateway(gateway):
    with pytest.raises(SmsSendError, match="SignatureDoesNotMatch"):
        make_sender(gateway.url, secret="not-the-secret").send(SMS)
    assert gateway.received == []


def test_gateway_business_error_is_an_sms_send_error_without_the_phone(gateway):
    gateway.business_error = ("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5")

    with pytest.raises(SmsSendError, match=r"isv\.BUSINESS_LIMIT_CONTROL") as raised:
        make_sender(gateway.url).send(SMS)
    assert "触发小时级流控" in str(raised.value)
    assert SMS.phone not in str(raised.value)


def test_non_json_answer_is_an_sms_send_error(gateway):
    gateway.raw_answer = (502, b"<html>Bad Gateway</html>")

    with pytest.raises(SmsSendError):
        make_sender(gateway.url).send(SMS)


def test_slow_gateway_times_out_as_an_sms_send_error(gateway):
    gateway.hold = True  # answers only once released, after the sender has given up
    try:
        with pytest.raises(SmsSendError, match="unreachable"):
            make_sender(gateway.url, timeout=0.05).send(SMS)
    finally:
        gateway.released.set()
    assert gateway.received == []


def test_each_request_is_stamped_by_the_senders_clock(gateway):
    sent_at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)
    make_sender(gateway.url, clock=FakeClock(sent_at)).send(SMS)

    [call] = gateway.received
    assert call["Timestamp"] == sent_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_clock_more_than_15_minutes_off_is_refused_by_the_gateway(gateway):
    behind = FakeClock(datetime.now(timezone.utc) - timedelta(minutes=20))

    with pytest.raises(SmsSendError, match=r"InvalidTimeStamp\.Expired"):
        make_sender(gateway.url, clock=behind).send(SMS)
    assert gateway.received == []


def test_unreachable_gateway_is_an_sms_send_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe socket is closed.
    with pytest.raises(SmsSendError, match="unreachable"):
        make_sender(f"http://127.0.0.1:{port}", timeout=2.0).send(SMS)
