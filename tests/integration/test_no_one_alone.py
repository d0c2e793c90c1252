"""Issue 19, findings 1 and 3, played over the API as the issue describes, with real dev-set faces,
the real vision layer and OCR, drawn ID cards and the fake identity authority. Each attack now fails
to get what it wanted. p04 is the pensioner's face, p06 the squatter's or the accomplice's."""
from __future__ import annotations

import pytest
from auth_steps import latest_code, login, post, request_code
from support import unique_id_number, unique_phone
from test_trust import (
    HEADER,
    PIN,
    authority,  # noqa: F401 - a fixture
    bind,
    card_login,
    certify,
    face,
    import_person,
    phone_account,
    token_of,
)

from localstage.demo_cards import draw_card
from pensioncert.admin import confirmations, pensioners
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.dal import registry
from pensioncert.dal.admin_tables import AuditTable
from pensioncert.errors import AppError
from pensioncert.logic.registry_import import import_registry

PENSIONER, ROGUE = "p04", "p06"


def test_finding_1_id_squatting_before_the_registry_knows_the_person_claims_nothing(api, svc):
    """A made-up valid ID number, a drawn card with that number and the squatter's face, the
    squatter's live face: no trusted reference exists, so binding is refused with the reason and
    the ID number is not claimed. When the person is imported, their card login lands in an
    account of their own, and the squatter's phone login shows nothing of theirs."""
    made_up = unique_id_number(1950)
    phone = phone_account(api, "钱满仓", made_up)
    token = token_of(api, phone)
    status, body = post(api, "/auth/real-name/sessions", {"name": "钱满仓", "id_number": made_up}, token)
    assert (status, body["error"]["code"]) == (422, "NO_REFERENCE_PHOTO")
    assert "身份核验机构" in body["error"]["message"] and "未被登记" in body["error"]["message"]

    report = import_registry(svc, HEADER + f"{made_up},钱满仓,西安市,新城区机关事务中心,recipient,activated,{PIN},\n",
                             None, None)
    assert report.errors == []
    card_account = post(api, "/auth/card-login", {"id_number": made_up, "card_password": PIN})[1]["user"]["user_id"]
    squatter = login(api, phone)[1]
    assert card_account != squatter["user"]["user_id"] and squatter["user"]["real_name_verified"] is False
    status, body = post(api, "/certify/sessions", {"subject": "self"}, squatter["token"])
    assert (status, body["error"]["code"]) == (403, "REAL_NAME_REQUIRED")


def test_a_claim_proved_by_a_trusted_face_before_the_import_keeps_its_card_login(api, svc, authority):
    """The import's re-check takes back only claims no trusted face proved: someone who bound
    against the authority's photo of their own ID number is still that account after the import."""
    number = unique_id_number(1951)
    authority(number, "孙桂芝", PENSIONER)
    phone = phone_account(api, "孙桂芝", number)
    token = token_of(api, phone)
    assert bind(api, token, "孙桂芝", number, draw_card("孙桂芝", number, face(PENSIONER)), PENSIONER)[0] == 200
    assert import_registry(svc, HEADER + f"{number},孙桂芝,西安市,新城区机关事务中心,recipient,activated,{PIN},\n",
                           None, None).errors == []
    card_account = post(api, "/auth/card-login", {"id_number": number, "card_password": PIN})[1]["user"]["user_id"]
    assert card_account == login(api, phone)[1]["user"]["user_id"]


def test_finding_3_a_rogue_operator_cannot_swap_a_pensioners_reference_alone(api, svc):
    """The operator uploads the accomplice's face as the pensioner's staff photo with a reason: it is
    only a request. The accomplice (a verified account that added the pensioner, who has no phone of
    her own, as a contact) is still compared with her registry photo and refused. Neither the
    operator nor another operator may approve it."""
    pensioner = import_person(svc, "冯玉兰", photo=f"{PENSIONER}.jpg")
    id_key = svc.vault.lookup("id", pensioner)
    rogue = StaffPrincipal("op_rogue", "西安市经办员甲", "operator", ("西安市",))
    asked = pensioners.set_staff_photo(svc, rogue, id_key, image=face(ROGUE), reason="上门认证现场拍摄")
    assert registry.get_person(id_key).staff_reference_embedding is None

    accomplice = card_login(api, import_person(svc, "赵文华", photo=f"{ROGUE}.jpg", card=True))
    status, contact = post(api, "/contacts", {"name": "冯玉兰", "id_number": pensioner, "relation": "母亲"}, accomplice)
    assert status == 201, contact
    status, body = certify(api, accomplice, ROGUE, contact["contact_id"])
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), body

    for approver in (rogue, StaffPrincipal("op_other", "西安市经办员乙", "operator", ("西安市",))):
        with pytest.raises(AppError) as refused:
            confirmations.approve(svc, approver, asked["confirmation_id"])
        assert refused.value.status == 403
    assert registry.get_person(id_key).staff_reference_embedding is None


def test_a_provincial_approval_replaces_the_reference_audited_with_both_names_and_tells_the_pensioner(api, svc):
    pensioner = import_person(svc, "冯秀珍", photo=f"{PENSIONER}.jpg", card=True)
    token = card_login(api, pensioner)
    phone = unique_phone()
    assert request_code(api, phone, "bind_phone")[0] == 202
    assert post(api, "/auth/bind-phone", {"phone": phone, "sms_code": latest_code(api, phone)}, token)[0] == 200
    id_key = svc.vault.lookup("id", pensioner)
    operator = StaffPrincipal("op_counter", "西安市经办员丙", "operator", ("西安市",))
    asked = pensioners.set_staff_photo(svc, operator, id_key, image=face(PENSIONER), reason="窗口现场采集")
    assert "比对照片" not in texts(api, phone)[0]
    province = StaffPrincipal("prov_four_eyes", "省级审核员", "province_admin")
    assert confirmations.approve(svc, province, asked["confirmation_id"])["notified"] is True
    assert registry.get_person(id_key).staff_reference_embedding is not None
    newest = texts(api, phone)[0]
    assert "比对照片" in newest and "冯**" in newest
    logged = [e for e in AuditTable.by_actor.query("prov_four_eyes") if e.action == "set_staff_photo"]
    assert len(logged) == 1 and "西安市经办员丙" in logged[0].after and "省级审核员" in logged[0].after
    with pytest.raises(AppError) as twice:  # decided once
        confirmations.approve(svc, StaffPrincipal("prov_other", "省级审核员乙", "province_admin"),
                              asked["confirmation_id"])
    assert twice.value.status == 400


def texts(api, phone: str) -> list[str]:
    import json

    return [m["text"] for m in json.loads(api.http.get(f"/dev/sms-outbox?phone={phone}").body)["messages"]]


def test_a_claim_stored_before_the_trusted_face_rule_is_taken_back_at_the_first_import(api, svc):
    """Data of the previous version: its binding trusted the card's portrait and stored the claim
    without ``proved_with`` (what ``AccountRepository.bind_real_name`` still writes when no trusted
    reference is named; no path of this version does). At the person's first import the claim is
    taken back, audited, the account is no longer verified and its token ends; the card login then
    gets an account of its own."""
    made_up = unique_id_number(1949)
    phone = phone_account(api, "李占位", made_up)
    squatter = svc.accounts.find_by_phone(svc.vault.lookup("phone", phone))
    svc.accounts.bind_real_name(squatter)  # as the previous version's binding stored it
    signed_in = login(api, phone)[1]
    token = signed_in["token"]
    assert signed_in["user"]["real_name_verified"] is True  # until the import

    report = import_registry(svc, HEADER + f"{made_up},李占位,西安市,新城区机关事务中心,recipient,activated,{PIN},\n",
                             None, None)
    assert report.errors == []
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
    assert svc.accounts.get(squatter.user_id, consistent=True).real_name_verified is False
    assert svc.accounts.id_claim(svc.vault.lookup("id", made_up)) is None
    revoked = [event for event in AuditTable.scan(AuditTable.action == "claim_revoked") if squatter.user_id in str(event.before)]
    assert len(revoked) == 1
    card_account = post(api, "/auth/card-login", {"id_number": made_up, "card_password": PIN})[1]["user"]["user_id"]
    assert card_account != squatter.user_id
