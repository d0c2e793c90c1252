"""Issue 19, findings 9 and 10 over the API and the admin: inputs built to stall a decoder.

A 4096 x 3072 progressive JPEG followed by ~95,000 empty scans passed every header check and held
one decode for 97 s before the time budget's 503, uncounted, so it could be sent again at once; a
20,000-scan one held the admin's staff-photo upload for 25 s. Each is now refused from its
structure before anything decodes it (how long that takes: bench/bounded_input_bench.py).
"""
from __future__ import annotations

import base64

import devset
import pytest
from auth_steps import post
from hostile_media import jpeg_scan_count, progressive_jpeg_with_empty_scans
from support import unique_id_number, vision_calls

from pensioncert.admin import pensioners
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.dal import certifications, evidence
from pensioncert.errors import AppError
from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PIN = "135791"


@pytest.fixture(scope="module")
def many_scans() -> bytes:
    image = progressive_jpeg_with_empty_scans(4096, 3072, 95_000)
    assert jpeg_scan_count(image) > 95_000
    return image


def import_person(svc, name: str, photo: str = "") -> str:
    person = unique_id_number(1950)
    report = import_registry(svc, HEADER + f"{person},{name},西安市,新城区机关事务中心,recipient,activated,{PIN},{photo}\n",
                             devset.reference_dir(), lambda id_key, image: evidence.put_registry_photo(
                                 svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    assert report.errors == []
    return person


def code_of(answer):
    status, body = answer
    return status, (body or {}).get("error", {}).get("code")


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


def test_a_progressive_jpeg_of_95000_scans_as_frames_is_refused_before_vision_and_counts_nothing(
        api, svc, many_scans, monkeypatch, vision_models):
    person = import_person(svc, "周国庆", photo="p06.jpg")
    status, login = post(api, "/auth/card-login", {"id_number": person, "card_password": PIN})
    assert status == 200, login
    status, session = post(api, "/certify/sessions", {"subject": "self"}, login["token"])
    assert status == 201, session
    frame = base64.b64encode(many_scans).decode()
    steps = [{"challenge": c, "frames": [frame]} for c in session["challenges"]]
    with vision_calls(monkeypatch) as asked:
        answer = post(api, f"/certify/sessions/{session['session_id']}/complete", {"steps": steps}, login["token"])
    assert code_of(answer) == (400, "IMAGE_INVALID") and asked == []
    assert certifications.failures(svc.vault.lookup("id", person), svc.clock.now().year) == 0


def test_a_20000_scan_staff_photo_is_refused_before_it_is_decoded(svc):
    person = import_person(svc, "吴德明")
    staff = StaffPrincipal("op_bounded", "西安市经办员", "operator", ("西安市",))
    photo = progressive_jpeg_with_empty_scans(4096, 3072, 20_000)
    with pytest.raises(AppError) as refused:
        pensioners.set_staff_photo(svc, staff, svc.vault.lookup("id", person), image=photo, reason="柜台现场拍摄")
    assert refused.value.extra.get("vision_code") == "IMAGE_INVALID"
