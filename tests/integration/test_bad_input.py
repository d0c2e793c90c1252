"""Bad input gets the contract's error shape and a message naming the field, never a 500."""
from __future__ import annotations

import json

import pytest
from auth_steps import post
from support import unique_phone


def raw_post(api, path, body: str, content_type="application/json"):
    response = api.http.post(path, headers={"Content-Type": content_type}, body=body)
    return response.status_code, json.loads(response.body)


@pytest.mark.parametrize(
    "body, field",
    [
        ('{"phone": 13800138000, "password": "x"}', "phone"),
        ('{"password": "x"}', "phone"),
        ('{"phone": ["13800138000"], "password": "x"}', "phone"),
        ('{"phone": "13800138000", "password": null}', "password"),
        ('{"phone": "13800138000", "password": "' + "x" * 100 + '"}', "password"),
    ],
)
def test_wrong_types_and_missing_fields_name_the_field(api, body, field):
    status, answer = raw_post(api, "/auth/login", body)
    assert status == 400
    assert answer["error"]["code"] == "BAD_REQUEST" and answer["error"]["field"] == field
    assert field in answer["error"]["message"]


@pytest.mark.parametrize("body", ["{", "[]", '"text"', "null", "{" * 5000 + "}" * 5000, "\xff"])
def test_malformed_json_is_a_bad_request(api, body):
    status, answer = raw_post(api, "/auth/login", body)
    assert status == 400 and answer["error"]["code"] == "BAD_REQUEST"


def test_an_oversized_body_is_refused(api, svc):
    huge = json.dumps({"phone": "13800138000", "password": "x" * (svc.settings.max_body_bytes + 1)})
    status, answer = raw_post(api, "/auth/login", huge)
    assert (status, answer["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_another_content_type_gets_our_error_shape(api):
    status, answer = raw_post(api, "/auth/login", "phone=1", content_type="text/plain")
    assert (status, answer["error"]["code"]) == (400, "BAD_REQUEST")
    assert "application/json" in answer["error"]["message"]


def test_an_unknown_sms_purpose_is_named(api):
    status, answer = post(api, "/auth/sms-code", {"phone": unique_phone(), "captcha_id": "x",
                                                  "captcha_answer": "y", "purpose": "spam"})
    assert status == 400 and answer["error"]["field"] == "purpose"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer abc", "Basic dXNlcjpwYXNz", "Bearer " + "a" * 5000])
def test_protected_calls_without_a_valid_token_are_unauthenticated(api, header):
    response = api.http.post("/auth/bind-phone", headers={"Content-Type": "application/json",
                                                          "Authorization": header}, body="{}")
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "UNAUTHENTICATED"
