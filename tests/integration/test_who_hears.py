"""Issue 19, finding 8: only consented contacts hear about a person. Each door replayed as the
attack (a verified stranger adds a retiree by name and ID number and asks) and as the relative the
retiree consented to (her own consent call from her card account). The one rule behind every door
is ``logic.subjects.may_hear_about``."""
from __future__ import annotations

import json

import pytest
from auth_steps import latest_code, post, request_code
from support import unique_id_number, unique_phone

from pensioncert.errors import REASON_NOT_TOLD
from pensioncert.logic.certification import record_certification
from pensioncert.logic.registry_import import import_registry
from pensioncert.rules.certification import certification_year

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PIN = "135791"


def get(api, path, token):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def card_login(api, id_number) -> str:
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": PIN})
    assert status == 200, body
    return body["token"]


def add(api, token, id_number) -> str:
    status, body = post(api, "/contacts", {"name": "周王氏", "id_number": id_number, "relation": "母亲"}, token)
    assert status == 201, body
    return body["contact_id"]


@pytest.fixture
def certified_retiree_with_a_phone(svc, api):
    """周王氏 (a card account with a bound phone), certified this year at the agency counter; her
    son and a stranger have each added her. She consents to her son only."""
    retiree, son, stranger = (unique_id_number(year) for year in (1931, 1958, 1970))
    rows = [f"{retiree},周王氏,西安市,新城区机关事务中心,recipient,activated,{PIN},",
            f"{son},周国庆,西安市,新城区机关事务中心,recipient,activated,{PIN},",
            f"{stranger},赵文华,西安市,新城区机关事务中心,recipient,activated,{PIN},"]
    assert import_registry(svc, HEADER + "\n".join(rows) + "\n", None, None).errors == []
    her = card_login(api, retiree)
    phone = unique_phone()
    assert request_code(api, phone, "bind_phone")[0] == 202
    assert post(api, "/auth/bind-phone", {"phone": phone, "sms_code": latest_code(api, phone)}, her)[0] == 200
    her = card_login(api, retiree)  # binding a phone ended the earlier token
    tokens = {"son": card_login(api, son), "stranger": card_login(api, stranger)}
    contacts = {label: add(api, token, retiree) for label, token in tokens.items()}
    proxy = next(p for p in get(api, "/me/proxies", her)[1]["items"] if p["name_masked"] == "周**")
    assert post(api, f"/me/proxies/{proxy['proxy_id']}/consent", {}, her)[0] == 200
    year = certification_year(svc.clock.now())
    record_certification(svc, svc.vault.lookup("id", retiree), year, "agency", "窗口", "西安市", "新城区机关事务中心")
    return tokens, contacts


def test_a_stranger_hears_not_eligible_without_the_reason(api, certified_retiree_with_a_phone):
    tokens, contacts = certified_retiree_with_a_phone
    status, body = get(api, f"/certify/eligibility?subject={contacts['stranger']}", tokens["stranger"])
    assert (status, body) == (200, {"eligible": False, "reason": "NOT_FOUND", "message": REASON_NOT_TOLD,
                                    "attempts_left": 5})  # v1.3: the stranger's own budget, none used


def test_a_stranger_opening_a_session_is_refused_for_consent_not_told_the_reason(
        api, certified_retiree_with_a_phone):
    tokens, contacts = certified_retiree_with_a_phone
    status, body = post(api, "/certify/sessions", {"subject": contacts["stranger"]}, tokens["stranger"])
    assert (status, body["error"]["code"]) == (403, "CONSENT_REQUIRED")
    assert "reason" not in body["error"]


@pytest.mark.parametrize("path", ["/query/status", "/query/certifications"])
def test_a_stranger_sees_no_status_failed_tries_review_or_history(api, certified_retiree_with_a_phone, path):
    tokens, contacts = certified_retiree_with_a_phone
    status, body = get(api, f"{path}?subject={contacts['stranger']}", tokens["stranger"])
    assert (status, body["error"]["code"]) == (403, "CONSENT_REQUIRED")


def test_the_consented_son_hears_the_reason(api, certified_retiree_with_a_phone):
    tokens, contacts = certified_retiree_with_a_phone
    status, body = get(api, f"/certify/eligibility?subject={contacts['son']}", tokens["son"])
    assert (status, body["eligible"], body["reason"]) == (200, False, "ALREADY_CERTIFIED")


def test_the_consented_son_is_told_the_reason_a_session_cannot_open(api, certified_retiree_with_a_phone):
    tokens, contacts = certified_retiree_with_a_phone
    status, body = post(api, "/certify/sessions", {"subject": contacts["son"]}, tokens["son"])
    assert (status, body["error"]["code"], body["error"]["reason"]) == (409, "NOT_ELIGIBLE", "ALREADY_CERTIFIED")


def test_the_consented_son_sees_her_status(api, certified_retiree_with_a_phone):
    tokens, contacts = certified_retiree_with_a_phone
    status, body = get(api, f"/query/status?subject={contacts['son']}", tokens["son"])
    assert (status, body["certified"]) == (200, True)
