"""Issue 10, item 1: only trusted references decide, and real-name binding reads the card.

Every attack is played over the API with real dev-set faces and the real vision layer, OCR and
the fake identity authority (a real HTTP service the test session starts). ID cards are drawn
(``localstage.demo_cards.draw_card``): never a real card. p04 is the retiree's face, p06 the
stranger's.
"""
from __future__ import annotations

import base64

import devset
import pytest
from auth_steps import PASSWORD, login, post, register
from support import free_port, unique_id_number, unique_phone, vision_calls

from localstage.demo_cards import draw_card
from localstage.fake_authority import enrol
from pensioncert.admin import pensioners
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.dal import certifications, evidence
from pensioncert.errors import AppError
from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PIN = "135791"
RETIREE, STRANGER = "p04", "p06"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def face(person: str) -> bytes:
    return devset.reference_photo(person).read_bytes()


def code_of(answer):
    status, body = answer
    return status, (body or {}).get("error", {}).get("code")


def import_person(svc, name: str, *, photo: str = "", card: bool = False) -> str:
    id_number = unique_id_number(1948)
    row = f"{id_number},{name},西安市,新城区机关事务中心,recipient,{'activated' if card else ''},{PIN if card else ''},{photo}"
    report = import_registry(svc, HEADER + row + "\n", devset.reference_dir(),
                             lambda id_key, image: evidence.put_registry_photo(
                                 svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    assert report.errors == [], report.errors
    return id_number


def phone_account(api, name: str, id_number: str) -> str:
    phone = unique_phone()
    assert register(api, phone, id_number, name=name)[0] == 201
    status, body = login(api, phone)
    assert status == 200, body
    return phone


def token_of(api, phone: str) -> str:
    return login(api, phone, PASSWORD)[1]["token"]


def bind(api, token, name, id_number, card: bytes, live_person: str):
    """A draw the dev set answers with distinct moments (a third of draws are not: devset.answerable)."""
    def open_once():
        status, session = post(api, "/auth/real-name/sessions", {"name": name, "id_number": id_number}, token)
        assert status == 201, session
        return session

    session = devset.answerable_session(open_once)
    return post(api, f"/auth/real-name/sessions/{session['session_id']}/complete", {
        "id_card_image": b64(card), "steps": devset.answer(session["challenges"], live_person)}, token)


def certify(api, token, live_person: str, subject: str = "self"):
    status, session = post(api, "/certify/sessions", {"subject": subject}, token)
    if status != 201:
        return status, session
    if not devset.answerable(session["challenges"]):
        session = devset.answerable_session(lambda: post(api, "/certify/sessions", {"subject": subject}, token)[1])
    return post(api, f"/certify/sessions/{session['session_id']}/complete",
                {"steps": devset.answer(session["challenges"], live_person)}, token)


def card_login(api, id_number):
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": PIN})
    assert status == 200, body
    return body["token"]


@pytest.fixture
def authority(svc):
    """Enrol a person on the fake authority's records (its photo of that ID number)."""
    settings = svc.settings
    assert settings.identity_authority == "http"
    return lambda id_number, name, person: enrol(settings.identity_authority_url,
                                                 settings.identity_authority_key.get_secret_value(),
                                                 id_number, name, face(person))


def test_the_issue_attack_a_stranger_registering_a_retiree_without_a_photo_cannot_certify(api, svc):
    """Issue 10 item 1 step by step: no registry photo, not on the authority's records. A forged
    card (the retiree's text, the stranger's face) would match the stranger's live face, so a
    pensioner's binding needs a trusted reference and none exists: nothing opens, nothing is
    claimed, and the retiree's own card login still returns their own account."""
    retiree = import_person(svc, "周国庆", card=True)
    phone = phone_account(api, "周国庆", retiree)
    token = token_of(api, phone)

    status, body = post(api, "/auth/real-name/sessions", {"name": "周国庆", "id_number": retiree}, token)
    assert (status, body["error"]["code"]) == (422, "NO_REFERENCE_PHOTO")
    assert "社保卡登录" in body["error"]["message"]
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["code"]) == (403, "REAL_NAME_REQUIRED")

    status, body = post(api, "/auth/card-login", {"id_number": retiree, "card_password": PIN})
    assert status == 200 and body["user"]["user_id"] != login(api, phone)[1]["user"]["user_id"]
    # The retiree's own account finds no reference either: certification opens no session.
    status, body = post(api, "/certify/sessions", {"subject": "self"}, body["token"])
    assert (status, body["error"]["code"]) == (422, "NO_REFERENCE_PHOTO")
    assert "上门" in body["error"]["message"] or "经办机构" in body["error"]["message"]
    assert certifications.history(svc.vault.lookup("id", retiree)) == []


def test_someone_outside_the_registry_binds_only_against_the_authoritys_photo(api, svc, authority):
    """Issue 19 changed this on purpose: a card and a face that match each other prove nothing (a
    card can be drawn with anyone's face), so someone the registry does not hold binds only when the
    identity authority holds a photo of that ID number, and their face matches it."""
    relative = unique_id_number(1975)
    token = token_of(api, phone_account(api, "赵文华", relative))
    status, body = post(api, "/auth/real-name/sessions", {"name": "赵文华", "id_number": relative}, token)
    assert (status, body["error"]["code"]) == (422, "NO_REFERENCE_PHOTO")
    authority(relative, "赵文华", STRANGER)
    card = draw_card("赵文华", relative, face(STRANGER))
    status, body = bind(api, token, "赵文华", relative, card, STRANGER)
    assert (status, body) == (200, {"real_name_verified": True})


def test_binding_against_a_registry_photo_refuses_a_stranger_and_a_printed_portrait(api, svc):
    retiree = import_person(svc, "周国强", photo=f"{RETIREE}.jpg")
    token = token_of(api, phone_account(api, "周国强", retiree))
    # A face photo as the "card": the card's text is read now, and there is none.
    assert code_of(bind(api, token, "周国强", retiree, face(STRANGER), STRANGER)) == (422, "ID_CARD_UNREADABLE")
    # The stranger's own card (their name and number) with their own face.
    own_card = draw_card("赵文华", unique_id_number(1975), face(STRANGER))
    assert code_of(bind(api, token, "周国强", retiree, own_card, STRANGER)) == (422, "ID_CARD_MISMATCH")
    # The retiree's text, the stranger's face on card and camera: the live face is not the registry's.
    forged = draw_card("周国强", retiree, face(STRANGER))
    assert code_of(bind(api, token, "周国强", retiree, forged, STRANGER)) == (422, "FACE_MISMATCH")
    # The retiree's own photo printed on the card, the stranger in front of the camera.
    printed = draw_card("周国强", retiree, face(RETIREE))
    assert code_of(bind(api, token, "周国强", retiree, printed, STRANGER)) == (422, "FACE_MISMATCH")


def test_the_genuine_binding_passes_once_and_is_not_redone(api, svc):
    retiree = import_person(svc, "孙桂兰", photo=f"{RETIREE}.jpg")
    phone = phone_account(api, "孙桂兰", retiree)
    token = token_of(api, phone)
    # Traditional characters, lower-case x and full-width digits on the claim side are normalised
    # the same way as what the card shows.
    card = draw_card("孫桂蘭", retiree, face(RETIREE))
    status, body = bind(api, token, "孙桂兰", retiree, card, RETIREE)
    assert (status, body) == (200, {"real_name_verified": True})
    token = token_of(api, phone)
    # A verified account cannot re-run binding to swap in another face (only staff change it).
    status, body = post(api, "/auth/real-name/sessions", {"name": "孙桂兰", "id_number": retiree}, token)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
    # The genuine person certifies against the registry photo.
    status, body = certify(api, token, RETIREE)
    assert status == 200 and body["result"] == "passed", body


def test_an_authority_only_retiree_certifies_with_their_face_and_not_with_anothers(api, svc, authority):
    retiree = import_person(svc, "钱淑珍", card=True)
    token = card_login(api, retiree)
    assert code_of(post(api, "/certify/sessions", {"subject": "self"}, token)) == (422, "NO_REFERENCE_PHOTO")
    authority(retiree, "钱淑珍", RETIREE)  # the authority holds the retiree's photo

    status, body = certify(api, token, STRANGER)
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), body
    assert body["error"]["attempts_left"] == svc.settings.yearly_failed_attempts_limit - 1
    status, body = certify(api, token, RETIREE)
    assert status == 200 and body["result"] == "passed", body
    assert body["similarity"] >= svc.settings.identity_authority_pass_score
    stored = certifications.history(svc.vault.lookup("id", retiree))[0]
    assert stored.reference == "identity_authority" and stored.authority_transaction_id.startswith("fake-")


def test_the_authority_holds_the_photo_under_the_right_name_only(api, svc, authority):
    retiree = import_person(svc, "李桂芳", card=True)
    authority(retiree, "李桂香", RETIREE)  # another name on the authority's record of this number
    token = card_login(api, retiree)
    assert code_of(post(api, "/certify/sessions", {"subject": "self"}, token)) == (422, "NO_REFERENCE_PHOTO")


def test_a_staff_photo_taken_in_person_makes_certification_possible_and_is_audited(api, svc):
    retiree = import_person(svc, "吴德明", card=True)
    token = card_login(api, retiree)
    assert code_of(post(api, "/certify/sessions", {"subject": "self"}, token)) == (422, "NO_REFERENCE_PHOTO")

    staff = StaffPrincipal("op_trust", "西安市经办员", "operator", ("西安市",))
    id_key = svc.vault.lookup("id", retiree)
    with pytest.raises(Exception) as no_reason:
        pensioners.set_staff_photo(svc, staff, id_key, image=face(RETIREE), reason="")
    assert getattr(no_reason.value, "extra", {}).get("field") == "reason"
    outsider = StaffPrincipal("op_baoji", "宝鸡市经办员", "operator", ("宝鸡市",))
    with pytest.raises(AppError):
        pensioners.set_staff_photo(svc, outsider, id_key, image=face(RETIREE), reason="上门认证现场拍摄")
    asked = pensioners.set_staff_photo(svc, staff, id_key, image=face(RETIREE), reason="上门认证现场拍摄")
    # Issue 19: the photo waits for a provincial administrator's approval (rules/four_eyes.py).
    assert code_of(post(api, "/certify/sessions", {"subject": "self"}, token)) == (422, "NO_REFERENCE_PHOTO")
    from pensioncert.admin import confirmations

    confirmations.approve(svc, StaffPrincipal("prov_trust", "省级审核员", "province_admin"), asked["confirmation_id"])
    from pensioncert.dal.admin_tables import AuditTable

    events = [e for e in AuditTable.by_actor.query("prov_trust") if e.action == "set_staff_photo"]
    assert len(events) == 1 and events[0].reason == "上门认证现场拍摄" and retiree not in events[0].target

    status, body = certify(api, token, STRANGER)
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH")
    status, body = certify(api, token, RETIREE)
    assert status == 200 and body["result"] == "passed", body
    assert certifications.history(id_key)[0].reference == "staff_photo"


def test_a_pixel_bomb_as_the_card_is_refused_before_vision(api, svc, monkeypatch):
    import struct
    import zlib

    row = b"\x00" * (1 + 3 * 64)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(262144)) + compressor.flush()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    strip = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 262144, 8, 2, 0, 0, 0))
             + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    retiree = import_person(svc, "郑秀英", photo=f"{RETIREE}.jpg")
    token = token_of(api, phone_account(api, "郑秀英", retiree))
    # It once held vision for 62.6 s; now the header is read and vision never asked (the time the
    # refusal takes: bench/refusal_bench.py).
    with vision_calls(monkeypatch) as asked:
        status, body = bind(api, token, "郑秀英", retiree, strip, RETIREE)
    assert (status, body["error"]["code"], asked) == (400, "IMAGE_INVALID", []), body


def test_an_unreachable_authority_is_a_retryable_outage_not_a_missing_photo(api, svc, monkeypatch):
    retiree = import_person(svc, "冯玉兰", card=True)
    token = card_login(api, retiree)
    monkeypatch.setattr(svc.settings, "identity_authority_url", f"http://127.0.0.1:{free_port()}")
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
