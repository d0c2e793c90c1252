"""Contacts, eligibility, queries and home-visit requests: everything around the face check."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from auth_steps import post, register
from support import unique_id_number, unique_phone

from pensioncert.clock import BEIJING
from pensioncert.dal import certifications
from pensioncert.dal.tables import CertificationTable
from pensioncert.errors import REASON_NOT_TOLD, AppError
from pensioncert.logic.registry_import import import_registry
from pensioncert.rules.certification import ELIGIBILITY_MESSAGES

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"


def get(api, path, token):
    import json

    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body) if response.body else None


def delete(api, path, token):
    return api.http.delete(path, headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.fixture
def family(svc, api):
    """A card holder (verified) and relatives of every registry status, imported as an agency would."""
    people = {key: unique_id_number(year) for key, year in
              [("me", 1950), ("mother", 1930), ("stranger", 1941), ("deceased", 1932),
               ("not_recipient", 1960), ("renamed", 1945)]}
    rows = [
        f"{people['me']},周国庆,西安市,新城区机关事务中心,recipient,activated,135791,",
        f"{people['mother']},周王氏,西安市,新城区机关事务中心,recipient,activated,246802,",
        f"{people['deceased']},周老太,西安市,新城区机关事务中心,deceased,,,",
        f"{people['not_recipient']},周小妹,西安市,某企业,not_recipient,,,",
        f"{people['renamed']},周国华,西安市,新城区机关事务中心,recipient,,,",
    ]
    assert import_registry(svc, HEADER + "\n".join(rows) + "\n", None, None).errors == []
    return people, card_login(api, people["me"])


def card_login(api, id_number, pin="135791"):
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": pin})
    assert status == 200
    return body["token"]


def add(api, token, name, id_number, relation="母亲"):
    return post(api, "/contacts", {"name": name, "id_number": id_number, "relation": relation}, token)


def test_accounts_without_real_name_binding_can_use_nothing_beyond_auth(api):
    phone = unique_phone()
    register(api, phone, unique_id_number())
    token = post(api, "/auth/login", {"phone": phone, "password": "Shaanxi2026"})[1]["token"]
    calls = [
        get(api, "/contacts", token),
        post(api, "/contacts", {"name": "王五", "id_number": unique_id_number(), "relation": "父亲"}, token),
        get(api, "/certify/eligibility?subject=self", token),
        post(api, "/certify/sessions", {"subject": "self"}, token),
        get(api, "/query/certifications?subject=self", token),
        get(api, "/query/status?subject=self", token),
        post(api, "/certify/home-visit-requests", {"subject": "self", "reason": "卧床", "address": "西安",
                                                   "contact_phone": phone}, token),
    ]
    for status, body in calls:
        assert (status, body["error"]["code"]) == (403, "REAL_NAME_REQUIRED")
    status, body = post(api, "/auth/real-name/sessions", {"name": "王建国", "id_number": unique_id_number()}, token)
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_contacts_are_added_listed_masked_and_deleted(api, family):
    people, token = family
    status, body = add(api, token, "周王氏", people["mother"].lower())
    assert status == 201
    contact_id = body["contact_id"]
    assert add(api, token, "週王氏", people["mother"])[1]["error"]["code"] == "CONTACT_EXISTS"
    status, listing = get(api, "/contacts", token)
    assert listing["items"] == [{"contact_id": contact_id, "name": "周王氏", "relation": "母亲",
                                 "id_number_masked": people["mother"][:4] + "*" * 10 + people["mother"][-4:]}]
    assert add(api, token, "周国庆", people["me"])[0] == 400
    assert delete(api, f"/contacts/{contact_id}", token) == 204
    assert delete(api, f"/contacts/{contact_id}", token) == 404
    assert get(api, "/contacts", token)[1]["items"] == []


def test_eligibility_gives_each_reason_of_the_grey_button_to_a_consented_relative(api, svc, family):
    """The mother consents to her son (her own card account), then the agency's re-imports change
    her row: the son hears each reason, at the grey button and at POST /certify/sessions."""
    people, token = family
    assert get(api, "/certify/eligibility?subject=self", token)[1] == {
        "eligible": True, "reason": None, "message": "可以进行资格认证", "attempts_left": 5}
    contact_id = add(api, token, "周王氏", people["mother"])[1]["contact_id"]
    mother = card_login(api, people["mother"], "246802")
    proxy_id = get(api, "/me/proxies", mother)[1]["items"][0]["proxy_id"]
    assert post(api, f"/me/proxies/{proxy_id}/consent", {}, mother)[0] == 200
    path = f"/certify/eligibility?subject={contact_id}"
    assert get(api, path, token)[1]["eligible"] is True
    cases = [("周王芳", "recipient", "RECORD_MISMATCH"), ("周王氏", "not_recipient", "NOT_A_RECIPIENT"),
             ("周王氏", "deceased", "SUSPENDED_DECEASED")]
    for name, status_in_registry, reason in cases:
        row = f"{people['mother']},{name},西安市,新城区机关事务中心,{status_in_registry},activated,246802,\n"
        assert import_registry(svc, HEADER + row, None, None).errors == []
        status, body = get(api, path, token)
        assert (status, body["eligible"], body["reason"]) == (200, False, reason)
        assert body["message"] == ELIGIBILITY_MESSAGES[reason]
        status, refused = post(api, "/certify/sessions", {"subject": contact_id}, token)
        assert (status, refused["error"]["code"], refused["error"]["reason"]) == (409, "NOT_ELIGIBLE", reason)


def test_a_contact_without_consent_hears_not_eligible_and_no_reason(api, family):
    """Issue 19, finding 8: a stranger who adds a retiree (name + ID number) learns "eligible or
    not" only. Every not-eligible answer is the contract's NOT_FOUND with a message naming no
    reason (rules.certification.REASON_FOR_UNCONSENTED): a made-up number answers the same."""
    people, token = family
    cases = [("陈某某", unique_id_number()), ("周国强", people["renamed"]),
             ("周小妹", people["not_recipient"]), ("周老太", people["deceased"])]
    for name, id_number in cases:
        contact_id = add(api, token, name, id_number)[1]["contact_id"]
        status, body = get(api, f"/certify/eligibility?subject={contact_id}", token)
        # attempts_left (v1.3) is the caller's own budget for this contact: it says nothing of the person
        assert (status, body) == (200, {"eligible": False, "reason": "NOT_FOUND", "message": REASON_NOT_TOLD,
                                        "attempts_left": 5})
        status, refused = post(api, "/certify/sessions", {"subject": contact_id}, token)
        assert (status, refused["error"]["code"], refused["error"]["reason"]) == (409, "NOT_ELIGIBLE", "NOT_FOUND")
        assert refused["error"]["message"] == REASON_NOT_TOLD


def test_a_certification_by_any_method_greys_the_button_for_the_year(api, svc, family):
    people, token = family
    year = svc.clock.now().astimezone(BEIJING).year
    stored = _certification(svc, people["me"], year, "home_visit")
    assert certifications.store_once(stored)
    body = get(api, "/certify/eligibility?subject=self", token)[1]
    assert body["reason"] == "ALREADY_CERTIFIED"
    svc.clock.advance(days=366)
    token = card_login(api, people["me"])  # the old token expired meanwhile
    answer = get(api, "/certify/eligibility?subject=self", token)[1]
    assert answer.get("reason") is None and answer.get("eligible"), answer


def test_a_subject_without_a_reference_photo_cannot_start_a_self_service_session(api, family):
    _, token = family
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["code"]) == (422, "NO_REFERENCE_PHOTO")


def test_only_ones_own_contacts_are_subjects(api, svc, family):
    people, token = family
    other = unique_id_number(1949)
    import_registry(svc, HEADER + f"{other},赵文华,延安市,宝塔区文化馆,recipient,activated,654321,\n", None, None)
    other_token = post(api, "/auth/card-login", {"id_number": other, "card_password": "654321"})[1]["token"]
    contact_id = add(api, token, "周王氏", people["mother"])[1]["contact_id"]
    for path in (f"/certify/eligibility?subject={contact_id}", f"/query/status?subject={contact_id}",
                 f"/query/certifications?subject={contact_id}"):
        status, body = get(api, path, other_token)
        assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert delete(api, f"/contacts/{contact_id}", other_token) == 404
    assert get(api, "/certify/eligibility?subject=", token)[0] == 400


def test_history_lists_every_method_newest_first_and_status_follows_the_policy(api, svc, family):
    people, token = family
    year = svc.clock.now().astimezone(BEIJING).year
    status = get(api, "/query/status?subject=self", token)[1]
    assert status == {"year": year, "certified": False, "certified_at": None,
                      "due_by": f"{year}-12-31T23:59:59+08:00", "payment_status": "normal",
                      "failed_tries": [],  # contract v1.2: this year's counted failures (none)
                      "attempts_left": 5}  # v1.3: the five yearly tries, none used
    for offset, method in ((2, "overseas"), (1, "home_visit"), (0, "app")):
        assert certifications.store_once(_certification(svc, people["me"], year - offset, method))
    items = get(api, "/query/certifications?subject=self", token)[1]["items"]
    assert [(item["year"], item["method"]) for item in items] == [
        (year, "app"), (year - 1, "home_visit"), (year - 2, "overseas")]
    status = get(api, "/query/status?subject=self", token)[1]
    assert status["certified"] is True and status["payment_status"] == "normal"
    assert status["certified_at"].endswith("+08:00")

    svc.clock._now = datetime(year + 1, 12, 1, tzinfo=BEIJING)  # not yet certified that year
    token = card_login(api, people["me"])
    assert get(api, "/query/status?subject=self", token)[1]["payment_status"] == "warning"
    svc.clock._now = datetime(year + 2, 2, 1, tzinfo=BEIJING)  # a whole year missed
    token = card_login(api, people["me"])
    assert get(api, "/query/status?subject=self", token)[1]["payment_status"] == "suspended"


def consent_as_the_relative(api, relative_token):
    """The relative, logged in to their own account, consents to every proxy who added them."""
    status, proxies = get(api, "/me/proxies", relative_token)
    assert status == 200 and proxies["items"]
    for proxy in proxies["items"]:
        assert post(api, f"/me/proxies/{proxy['proxy_id']}/consent", {}, relative_token) == (200, {"consent": True})


HOME_VISIT = {"reason": "长年卧床，无法配合摇头张嘴", "address": "西安市新城区某街道1号", "contact_phone": "13800138000"}


def test_a_home_visit_request_puts_the_subject_on_the_agency_queue(api, svc, family):
    people, token = family
    contact_id = add(api, token, "周王氏", people["mother"])[1]["contact_id"]
    status, body = post(api, "/certify/home-visit-requests", {"subject": contact_id, **HOME_VISIT}, token)
    assert (status, body["error"]["code"]) == (403, "CONSENT_REQUIRED")  # not for a stranger
    consent_as_the_relative(api, card_login(api, people["mother"], "246802"))
    status, body = post(api, "/certify/home-visit-requests", {"subject": contact_id, **HOME_VISIT}, token)
    assert status == 201
    queue = svc.home_visits.with_status("open", "西安市")
    case = next(case for case in queue if case.case_id == body["case_id"])
    assert case.name == "周王氏" and case.source == "app" and case.status == "open"
    assert "西安市新城区" not in case.address_sealed  # stored sealed


def test_fifty_concurrent_stores_keep_one_certification(svc):
    subject = unique_id_number()
    with ThreadPoolExecutor(50) as pool:
        outcomes = list(pool.map(
            lambda n: certifications.store_once(_certification(svc, subject, 2026, "app", n)), range(50)))
    assert outcomes.count(True) == 1
    assert len(certifications.history(svc.vault.lookup("id", subject))) == 1


def test_a_pass_gives_its_reserved_attempt_back_in_the_certifications_transaction(svc):
    subject = unique_id_number()
    key = svc.vault.lookup("id", subject)
    assert certifications.reserve_attempt(key, 2026, 3)
    assert certifications.failures(key, 2026) == 1
    assert certifications.store_once(_certification(svc, subject, 2026, "app"), give_back_attempt=True)
    assert certifications.failures(key, 2026) == 0


def test_the_loser_of_two_passing_completions_gets_its_attempt_back_too(svc):
    subject = unique_id_number()
    key = svc.vault.lookup("id", subject)
    assert certifications.reserve_attempt(key, 2026, 3) and certifications.reserve_attempt(key, 2026, 3)
    assert certifications.store_once(_certification(svc, subject, 2026, "app", 1), give_back_attempt=True)
    assert not certifications.store_once(_certification(svc, subject, 2026, "app", 2), give_back_attempt=True)
    assert certifications.failures(key, 2026) == 0
    assert [c.certification_id for c in certifications.history(key)] == ["cert_test_1"]


def test_an_attempt_already_given_back_does_not_block_the_certification_nor_go_negative(svc):
    subject = unique_id_number()
    key = svc.vault.lookup("id", subject)
    assert certifications.reserve_attempt(key, 2026, 3)
    certifications.release_attempt(key, 2026)  # given back meanwhile (a retried give-back)
    assert certifications.store_once(_certification(svc, subject, 2026, "app"), give_back_attempt=True)
    assert certifications.failures(key, 2026) == 0
    assert len(certifications.history(key)) == 1


def _certification(svc, id_number, year, method, serial=0):
    return CertificationTable(
        svc.vault.lookup("id", id_number), year, method=method,
        certified_at=datetime(year, 3, 1, 9, 0, tzinfo=BEIJING).isoformat(),
        operator="本人", region="西安市", unit="新城区机关事务中心",
        certification_id=f"cert_test_{serial}",
    )


def test_an_agency_correction_takes_effect_from_the_next_day(api, svc, family):
    from pensioncert.logic.corrections import correct_record

    people, token = family
    contact_id = add(api, token, "周国强", people["renamed"])[1]["contact_id"]
    path = f"/certify/eligibility?subject={contact_id}"
    # An unconsented contact hears "not eligible" only (issue 19, finding 8), not RECORD_MISMATCH.
    assert get(api, path, token)[1]["eligible"] is False
    svc.clock._now = datetime(2026, 3, 1, 23, 30, tzinfo=BEIJING)
    token = card_login(api, people["me"])
    result = correct_record(svc, people["renamed"], name="周國強")
    assert result["after"]["name"] == "周国强" and result["effective"] == "20260302"
    assert get(api, path, token)[1]["eligible"] is False  # still today
    svc.clock.advance(minutes=31)  # midnight in Beijing
    assert get(api, path, token)[1]["reason"] is None


def test_an_id_number_correction_moves_the_person_from_the_next_day(api, svc, family):
    from pensioncert.logic.corrections import correct_id_number

    people, token = family
    wrong, right = unique_id_number(1947), unique_id_number(1947)
    wrong_certified, right_certified = unique_id_number(1944), unique_id_number(1944)
    rows = [f"{wrong},周国平,西安市,新城区机关事务中心,recipient,activated,135791,",
            f"{wrong_certified},周国安,西安市,新城区机关事务中心,recipient,,,"]
    assert import_registry(svc, HEADER + "\n".join(rows) + "\n", None, None).errors == []
    svc.clock._now = datetime(2026, 3, 1, 23, 30, tzinfo=BEIJING)
    token = card_login(api, people["me"])
    earlier = _certification(svc, wrong_certified, 2026, "home_visit", serial=7)
    assert certifications.store_once(earlier)
    right_path = f"/certify/eligibility?subject={add(api, token, '周国平', right)[1]['contact_id']}"
    wrong_path = f"/certify/eligibility?subject={add(api, token, '周国平', wrong)[1]['contact_id']}"
    moved_path = f"/certify/eligibility?subject={add(api, token, '周国安', right_certified)[1]['contact_id']}"
    assert get(api, right_path, token)[1]["reason"] == "NOT_FOUND"

    result = correct_id_number(svc, wrong, right)
    assert result["effective"] == "20260302" and result["after"]["id_number"].endswith(right[-4:])
    assert right not in str(result) and wrong not in str(result)
    assert correct_id_number(svc, wrong_certified, right_certified)["effective"] == "20260302"
    for old, new in ((wrong, right), (right, people["me"]), (people["me"], people["me"])):
        with pytest.raises(AppError) as refused:
            correct_id_number(svc, old, new)  # already corrected / number taken / the same
        assert refused.value.status == 400

    # Still today: the right number is not found yet; the contact added with the wrong number
    # moved with the person (issue 11), so it too waits for the right number to count.
    assert get(api, right_path, token)[1]["reason"] == "NOT_FOUND"
    assert get(api, wrong_path, token)[1]["reason"] == "NOT_FOUND"
    status, body = post(api, "/auth/card-login", {"id_number": right, "card_password": "135791"})
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")

    svc.clock.advance(minutes=31)  # midnight in Beijing
    assert get(api, right_path, token)[1]["reason"] is None
    assert get(api, wrong_path, token)[1]["reason"] is None
    assert card_login(api, right)
    status, body = post(api, "/auth/card-login", {"id_number": wrong, "card_password": "135791"})
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    # The certification stored earlier this year moved with the person: once a year still holds.
    assert get(api, moved_path, token)[1]["eligible"] is False  # ALREADY_CERTIFIED, untold to a contact
    moved = certifications.for_year(svc.vault.lookup("id", right_certified), 2026)
    assert moved is not None and moved.certification_id == earlier.certification_id

    # A later import of the wrong row does not bring the old number back.
    report = import_registry(svc, HEADER + rows[0] + "\n", None, None)
    assert report.written == 0 and [error.field for error in report.errors] == ["id_number"]
    assert get(api, wrong_path, token)[1]["reason"] is None
