"""Alibaba Cloud SMS (dysmsapi, API version 2017-05-25, SendSms): the mainland gateway.

One signed RPC call (signature method HMAC-SHA1, version 1.0) over the standard library. The official
SDK (alibabacloud-dysmsapi20170525) works, but adds ~23 MB and ~25 packages (aiohttp, APScheduler,
websocket-client, ...) to the API function, which is kept light, for this single request.

``endpoint`` is a host (``dysmsapi.aliyuncs.com``, reached over HTTPS) or a full base URL
(``http://127.0.0.1:8123``) for a local stand-in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timezone

from pensioncert.clock import Clock, SystemClock
from pensioncert.sms import NoticeSms, SmsSendError, VerificationSms

API_VERSION = "2017-05-25"
HTTP_METHOD = "POST"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding of UTF-8, as the gateway signs it: space is %20, * is %2A, ~ stays."""
    return urllib.parse.quote(value, safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def rpc_signature(method: str, params: dict[str, str], secret: str) -> str:
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        timeout_seconds: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        """``clock`` stamps each request (the gateway refuses a Timestamp 15 minutes off its own)."""
        base = endpoint if "://" in endpoint else f"https://{endpoint}"
        self._url = base.rstrip("/") + "/"
        self._access_key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._timeout = timeout_seconds
        self._clock = clock or SystemClock()

    def send(self, sms: VerificationSms | NoticeSms) -> None:
        answer = self._call(
            {
                "Action": "SendSms",
                "PhoneNumbers": sms.phone,
                "SignName": self._sign_name,
                "TemplateCode": self._template(sms.purpose),
                "TemplateParam": json.dumps(sms.template_params, ensure_ascii=False),
            }
        )
        if answer.get("Code") != "OK":
            raise SmsSendError(
                f"Aliyun SendSms refused: {answer.get('Code')}: {answer.get('Message')}"
                f" (RequestId {answer.get('RequestId')})"
            )

    def _template(self, purpose: str) -> str:
        if purpose not in self._templates:
            raise SmsSendError(f"no Aliyun SMS template configured for {purpose} (PC_ALIYUN_TEMPLATES)")
        return self._templates[purpose]

    def _call(self, action_params: dict[str, str]) -> dict:
        params = {
            "AccessKeyId": self._access_key_id,
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self._clock.now().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **action_params,
        }
        params["Signature"] = rpc_signature(HTTP_METHOD, params, self._secret)
        # Parameters in the query of a POST with an empty body: what the official SDK sends.
        request = urllib.request.Request(
            self._url + "?" + canonical_query(params),
            data=b"",
            method=HTTP_METHOD,
            headers={"Accept": "application/json"},
        )
        # No retry here: SendSms is not idempotent, so a retry after a timeout could send twice.
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as err:
            # Signature, credential and parameter errors come as 4xx with the usual JSON body.
            body = err.read()
        except (OSError, http.client.HTTPException) as err:
            raise SmsSendError(f"Aliyun SMS gateway unreachable: {err}") from err
        try:
            answer = json.loads(body)
        except ValueError as err:
            raise SmsSendError("Aliyun SMS gateway answered with something other than JSON") from err
        if not isinstance(answer, dict):
            raise SmsSendError("Aliyun SMS gateway answered with something other than a JSON object")
        return answer
