"""The previous template (issue 18): the live template of a clean app certification, kept sealed,
is compared next year beside the trusted reference, which stays a floor (vision.matching.matched_by).

Certifications are made through the API with real dev-set steps (tests/devset.py) in an earlier
year of the fixtures' FakeClock; a staff photo through the admin's service. The dev set has no
footage of one person whose similarity to a trusted reference falls in [REFERENCE_FLOOR,
MATCH_THRESHOLD) while another session of theirs clears MATCH_THRESHOLD against the same photo
(every session of p04/p06 scores 0.74-0.86 against its reference, also degraded, rotated, re-lit;
a squeezed photo moves all sessions together, within 0.04), so the rule's three outcomes are
tested on the vision handler's own comparison with recorded templates (tests/vision), and here
what is kept, from which certifications, and when it stops counting.
"""
from __future__ import annotations

import base64
import struct

import devset
from auth_steps import post
from test_certify_with_faces import RETIREE, complete, open_session, retiree, vision_models  # noqa: F401

from pensioncert.admin.principal import StaffPrincipal
from pensioncert.dal import certifications, registry
from pensioncert.logic import certification, previous_template
from pensioncert.logic import references as trusted_references


def _certify_last_year(api, svc, retiree) -> tuple[str, str]:
    session = open_session(api, retiree["token"])
    status, body = complete(api, retiree["token"], session["session_id"], devset.answer(session["challenges"], RETIREE))
    assert status == 200, body
    id_key = svc.vault.lookup("id", retiree["id"])
    svc.clock.advance(days=366)
    token = post(api, "/auth/card-login", {"id_number": retiree["id"], "card_password": "135791"})[1]["token"]
    return id_key, token


def _references(svc, id_key):
    person = registry.get_person(id_key)
    return trusted_references.trusted(svc, person, person.name, ask_authority=False)


def test_a_clean_app_pass_keeps_its_template_sealed_and_next_year_finds_it(api, svc, retiree):
    id_key, _ = _certify_last_year(api, svc, retiree)
    kept = certifications.history(id_key)[0]
    assert (kept.method, kept.matched_by) == ("app", "reference")
    assert kept.reference_similarity == kept.similarity and kept.template_year is None
    # Sealed: the item holds neither the floats nor their base64, only the vault's ciphertext.
    template = previous_template._open(svc, kept.live_template_sealed)
    assert len(template) == 128
    packed = base64.b64encode(struct.pack("<128f", *template)).decode()
    assert packed not in kept.live_template_sealed and svc.vault.open(kept.live_template_sealed) == packed

    found = previous_template.find(svc, id_key, kept.year + 1, _references(svc, id_key))
    assert found is not None and found.year == kept.year and found.template == template
    # Not this year's own certification, and not before it.
    assert previous_template.find(svc, id_key, kept.year, _references(svc, id_key)) is None


def test_a_replaced_reference_ends_the_template(api, svc, retiree):
    id_key, _ = _certify_last_year(api, svc, retiree)
    year = certifications.history(id_key)[0].year + 1
    assert previous_template.find(svc, id_key, year, _references(svc, id_key)) is not None
    staff = StaffPrincipal("op_prev", "西安市经办员", "operator", ("西安市",))
    from pensioncert.admin import confirmations, pensioners

    asked = pensioners.set_staff_photo(svc, staff, id_key, image=devset.reference_photo(RETIREE).read_bytes(),
                                       reason="上门认证现场拍摄")
    assert asked["has_staff_photo"] is False  # a request until a provincial administrator approves it
    assert previous_template.find(svc, id_key, year, _references(svc, id_key)) is not None
    province = StaffPrincipal("prov_prev", "省级审核员", "province_admin")
    confirmations.approve(svc, province, asked["confirmation_id"])
    references = _references(svc, id_key)
    assert references.source == trusted_references.STAFF_PHOTO
    assert previous_template.find(svc, id_key, year, references) is None


def test_a_staff_certification_keeps_no_template(api, svc, retiree):
    """Home visits, overseas, agency and reviewed sessions certify through record_certification."""
    id_key = svc.vault.lookup("id", retiree["id"])
    person = registry.get_person(id_key)
    year = svc.clock.now().year
    certification.record_certification(svc, id_key, year, "home_visit", "经办员", person.region, person.unit,
                                       similarity=0.9, reference="registry_photo")
    assert certifications.history(id_key)[0].live_template_sealed is None
    assert previous_template.find(svc, id_key, year + 1, _references(svc, id_key)) is None
