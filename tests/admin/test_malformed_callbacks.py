"""Issue 19, finding 12 (callbacks): with a valid session and CSRF token, 11 of 18 malformed Dash
callbacks (wrong types) answered 500. Every callback of the admin is sent here with wrong-typed
values, as a script with a signed-in operator's cookie would, and unreadable bodies: none answers
500, and a refusal is a 400 that says what to do."""
from __future__ import annotations

import re

import pytest
from admin_support import unique_region

from admin_dash.app import CALLBACK_PATH, CALLBACK_REFUSED

PASSWORD = "Callback2026pw"
WRONG_VALUES = ["x", 5, -1, True, {"a": 1}, [1, "b"], [[{"id": 1}]]]


@pytest.fixture
def signed_in(svc):
    """A province administrator's client, signed in through the form, and the CSRF token Dash's
    renderer sends back as X-CSRFToken."""
    from admin_dash.app import create_app
    from pensioncert.admin import staff

    username = f"cb{abs(hash(unique_region())) % 10**9}"
    assert staff.create_staff(svc, username=username, display_name="回调测试员", role="province_admin",
                              regions=[], password=PASSWORD)
    app = create_app()
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 200
    return {"app": app, "client": client, "token": client.get_cookie("_csrf_token").value}


def outputs_of(key: str):
    if not key.startswith(".."):
        identifier, prop = key.split("@")[0].rsplit(".", 1)
        return {"id": identifier, "property": prop}
    return [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in key.split("@")[0].strip(".").split("...")]


def body_for(key: str, spec: dict, value) -> dict:
    def dependency(d):
        return {"id": d["id"], "property": d["property"], "value": value}

    inputs = spec["inputs"]
    return {"output": key, "outputs": outputs_of(key), "inputs": [dependency(d) for d in inputs],
            "state": [dependency(d) for d in spec.get("state", [])],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}


def post(signed_in, body):
    client, token = signed_in["client"], signed_in["token"]
    return client.post(CALLBACK_PATH, json=body, headers={"X-CSRFToken": token})


def test_no_callback_answers_500_to_wrong_typed_values(signed_in):
    app = signed_in["app"]
    answers = {(key, repr(value)): post(signed_in, body_for(key, spec, value))
               for key, spec in app.callback_map.items() for value in WRONG_VALUES}
    assert len(app.callback_map) >= 18
    assert [where for where, response in answers.items() if response.status_code == 500] == []
    refusals = [response for response in answers.values() if response.status_code == 400]
    assert refusals and {r.get_json()["error"]["message"] for r in refusals} == {CALLBACK_REFUSED}


def test_a_person_search_sent_a_dict_for_its_query_is_refused_with_a_message(signed_in):
    app = signed_in["app"]
    key = next(k for k in app.callback_map if "person-results.rowData" in k)
    spec = app.callback_map[key]
    body = body_for(key, spec, None)
    for dependency in body["state"]:
        if dependency["id"] == "person-query":
            dependency["value"] = {"$ne": ""}
    body["inputs"][0]["value"] = 1
    response = post(signed_in, body)
    assert (response.status_code, response.get_json()["error"]["message"]) == (400, CALLBACK_REFUSED)


@pytest.mark.parametrize("body", [[], "text", {}, {"output": 5}, {"output": "no-such.children", "inputs": []},
                                  {"output": "person-key.data", "inputs": "no"},
                                  {"output": "person-key.data", "inputs": [{"id": 1}]}])
def test_a_body_dash_cannot_read_is_refused_with_a_message(signed_in, body):
    response = post(signed_in, body)
    assert (response.status_code, response.get_json()["error"]["message"]) == (400, CALLBACK_REFUSED)


def test_a_well_formed_callback_is_still_answered(signed_in):
    app = signed_in["app"]
    key = next(k for k in app.callback_map if "_pages_content.children" in k)
    body = {"output": key, "outputs": outputs_of(key),
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    assert post(signed_in, body).status_code == 200

