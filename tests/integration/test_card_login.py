"""Social-security card login against the emulated card service fed by the registry import."""
from __future__ import annotations

from pathlib import Path

import pytest
from auth_steps import latest_code, post, request_code
from support import unique_id_number, unique_phone

from pensioncert.logic.registry_import import import_registry


@pytest.fixture
def registry(svc):
    """Three people imported through the same path as `make import`."""
    people = {
        "activated": unique_id_number(1948),
        "not_activated": unique_id_number(1950),
        "no_card": unique_id_number(1952),
    }
    csv_text = (
        "id_number,name,region,unit,status,card_status,card_password,photo\n"
        f"{people['activated']},李秀英,西安市,碑林区教育局,recipient,activated,246810,\n"
        f"{people['not_activated']},張德明,西安市,莲湖区卫生局,recipient,not_activated,,\n"
        f"{people['no_card']},刘淑珍,宝鸡市,渭滨区财政局,recipient,,,\n"
    )
    report = import_registry(svc, csv_text, None, store_photo=None)
    assert report.errors == [] and report.written == 3
    return people


def card_login(api, id_number, pin="246810"):
    return post(api, "/auth/card-login", {"id_number": id_number, "card_password": pin})


def test_an_activated_card_logs_in_as_a_verified_account(api, registry):
    status, body = card_login(api, registry["activated"].lower())
    assert status == 200
    assert body["user"]["name"] == "李秀英" and body["user"]["real_name_verified"] is True
    assert body["phone_bound"] is False
    again = card_login(api, registry["activated"])[1]
    assert again["user"]["user_id"] == body["user"]["user_id"]


def test_cards_not_activated_and_unknown_people(api, registry):
    for person in ("not_activated", "no_card"):
        status, body = card_login(api, registry[person])
        assert (status, body["error"]["code"]) == (403, "CARD_NOT_ACTIVATED")
    status, body = card_login(api, unique_id_number())
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert "查无此人" in body["error"]["message"]


def test_a_wrong_pin_locks_the_card_login_the_same_way(api, svc, registry):
    person = registry["activated"]
    assert card_login(api, person, "000000")[1]["error"]["attempts_left"] == 2
    assert card_login(api, person, "000000")[1]["error"]["code"] == "LOGIN_FAILED"
    status, body = card_login(api, person, "000000")
    assert (status, body["error"]["code"]) == (423, "ACCOUNT_LOCKED")
    assert card_login(api, person)[0] == 423
    svc.clock.advance(hours=24)
    assert card_login(api, person)[0] == 200


def test_an_overseas_retiree_binds_a_relatives_phone(api, registry):
    token = card_login(api, registry["activated"])[1]["token"]
    relative = unique_phone()
    assert request_code(api, relative, "bind_phone")[0] == 202
    status, body = post(api, "/auth/bind-phone", {"phone": relative, "sms_code": "000000"}, token)
    assert (status, body["error"]["code"]) == (400, "SMS_CODE_INVALID")
    status, body = post(api, "/auth/bind-phone",
                        {"phone": relative, "sms_code": latest_code(api, relative)}, token)
    assert (status, body) == (200, {"phone_bound": True})
    assert card_login(api, registry["activated"])[1]["phone_bound"] is True
    status, body = post(api, "/auth/bind-phone", {"phone": "+44 7700 900123", "sms_code": "123456"}, token)
    assert body["error"]["code"] == "PHONE_NOT_MAINLAND"
    assert post(api, "/auth/bind-phone", {"phone": relative, "sms_code": "123456"})[0] == 401


def test_reimporting_the_same_file_changes_nothing_and_row_errors_carry_line_numbers(svc, registry):
    person = registry["activated"]
    same = (
        "id_number,name,region,unit,status,card_status,card_password,photo\n"
        f"{person},李秀英,西安市,碑林区教育局,recipient,activated,246810,\n"
    )
    report = import_registry(svc, same, None, store_photo=None)
    assert (report.written, report.unchanged, report.errors) == (0, 1, [])
    broken = (
        "id_number,name,region,unit,status,card_status,card_password,photo\n"
        "610102194803150010,王五,西安市,某单位,recipient,,,\n"
        f"{unique_id_number()},Wang,西安市,某单位,retired,activated,12,\n"
        f"{unique_id_number()},赵六,西安市,某单位,recipient,,,\n"
        f"{person},李秀英,西安市,碑林区教育局,recipient,activated,246810,../../etc/passwd\n"
    )
    report = import_registry(svc, broken, Path("/tmp"), store_photo=None)
    found = {(error.line, error.field) for error in report.errors}
    assert {(2, "id_number"), (3, "name"), (3, "status"), (3, "card_password"), (5, "photo")} <= found
    assert report.written == 1 and report.rows == 4
