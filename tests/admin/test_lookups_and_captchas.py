"""Issue 19, finding 14, as a curious operator and as a script: a lookup of another region's ID
number answered 不属于您负责的地区 (which says the record exists) where a made-up number answers
'not found'; and a captcha drawn from the API's POST /auth/captcha (anyone may draw one, with the
answer readable by a solver) was accepted by the staff login. The per-address cap on drawing
captchas is tests/integration/test_lock_the_attacker.py's."""
from __future__ import annotations

import pytest
from admin_support import HEADER, operator_for, unique_region
from support import unique_id_number

from pensioncert.admin import accounts, home_visits, labels, overseas
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.registry_import import import_registry

PASSWORD = "Captcha2026pw"


@pytest.fixture
def cities(svc):
    """Two regions, one person in each with an activated card, and the first region's operator."""
    home, other = unique_region(), unique_region()
    mine, theirs = unique_id_number(1950), unique_id_number(1940)
    rows = (f"{mine},王建国,{home},本单位,recipient,activated,111111,\n"
            f"{theirs},陈志强,{other},他单位,recipient,activated,111111,\n")
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    return {"mine": mine, "theirs": theirs, "made_up": unique_id_number(1945), "operator": operator_for(home)}


def refusal(call) -> tuple[ErrorCode, str]:
    with pytest.raises(AppError) as refused:
        call()
    return refused.value.code, refused.value.message


# --- another region's ID number is answered as no one's ------------------------------------------

def test_an_account_search_for_another_regions_id_answers_as_for_a_made_up_one(svc, cities):
    me = cities["operator"]
    assert accounts.find(svc, me, cities["mine"])["card"] is not None  # the search works in my region
    theirs = refusal(lambda: accounts.find(svc, me, cities["theirs"]))
    assert theirs == refusal(lambda: accounts.find(svc, me, cities["made_up"]))
    assert theirs[0] == ErrorCode.NOT_FOUND


def test_a_home_visit_for_another_regions_id_answers_as_for_a_made_up_one(svc, cities):
    me = cities["operator"]

    def report(id_number):
        return lambda: home_visits.create_from_unit_report(svc, me, id_number=id_number, reason="长期卧床",
                                                           address="某小区1号", contact_phone="13800000000")

    theirs = refusal(report(cities["theirs"]))
    assert theirs == refusal(report(cities["made_up"])) == (ErrorCode.NOT_FOUND, labels.PERSON_NOT_FOUND)


def test_an_overseas_list_row_of_another_regions_id_reads_as_one_of_a_made_up_id(svc, cities):
    listing = ("id_number,name,country,agency,phone\n"
               f"{cities['theirs']},陈志强,日本,某中心,\n"
               f"{cities['made_up']},陈志强,日本,某中心,\n")
    report = overseas.import_list(svc, cities["operator"], listing)
    theirs, made_up = report.errors
    assert (theirs.field, theirs.message) == (made_up.field, made_up.message) == ("id_number", labels.PERSON_NOT_FOUND)


# --- captchas are drawn for one purpose --------------------------------------------------------

def new_operator(svc) -> str:
    from pensioncert.admin import staff

    region = unique_region()
    username = f"cap{abs(hash(region)) % 10**9}"
    assert staff.create_staff(svc, username=username, display_name="验证码测试员", role="operator",
                              regions=[region], password=PASSWORD)
    return username


def captcha_from_the_api(api) -> dict:
    import json

    response = api.http.post("/auth/captcha")
    assert response.status_code == 200
    return json.loads(response.body)


def failed_three_times(svc, username: str, where: str) -> None:
    from pensioncert.admin import staff

    for _ in range(3):
        with pytest.raises(AppError):
            staff.login(svc, staff.LoginAttempt(username, "Wrong2026pass", where))


def test_a_captcha_the_api_issued_is_not_accepted_by_the_staff_login(svc, api):
    from pensioncert.admin import staff

    username = new_operator(svc)
    failed_three_times(svc, username, "10.77.0.1")  # the login now asks for a captcha
    drawn = captcha_from_the_api(api)
    with pytest.raises(staff.CaptchaNeeded) as refused:
        staff.login(svc, staff.LoginAttempt(username, PASSWORD, "10.77.0.2", drawn["captcha_id"],
                                            drawn["debug_answer"]))
    assert refused.value.message == labels.STAFF_CAPTCHA_WRONG


def test_the_staff_forms_own_captcha_is_accepted(svc):
    from pensioncert.admin import staff

    username = new_operator(svc)
    failed_three_times(svc, username, "10.77.1.1")
    drawn = staff.new_captcha(svc)
    principal = staff.login(svc, staff.LoginAttempt(username, PASSWORD, "10.77.1.2", drawn["captcha_id"],
                                                    drawn["debug_answer"]))
    assert principal.username == username


def test_a_staff_forms_captcha_is_not_accepted_by_the_apis_sms_code(svc, api):
    import json

    from support import unique_phone

    from pensioncert.admin import staff

    drawn = staff.new_captcha(svc)
    response = api.http.post("/auth/sms-code", body=json.dumps({
        "phone": unique_phone(), "captcha_id": drawn["captcha_id"], "captcha_answer": drawn["debug_answer"],
        "purpose": "register"}), headers={"Content-Type": "application/json"})
    assert (response.status_code, json.loads(response.body)["error"]["code"]) == (400, "CAPTCHA_INVALID")
