"""Evidence for every manual certification (issue 11): a home visit or an overseas certification is
`passed` only with a photo taken at the visit, through the reference quality gate and matched against
the person's trusted reference by the real vision layer, plus the visit's date, address and staff.

Real faces only: the person's registry photo is the dev set's ``reference/p06.jpg``; a frame of p06's
own real footage is a matching visit photo, a frame of p04's is someone else (sent to review). Since
issue 19 a matching visit certifies only when a second staff member who did not visit confirms it
(rules/four_eyes.py), and a copy of the reference (itself, mirrored, cropped) is refused.
"""
from __future__ import annotations

import io
import json

import devset
import pytest
from admin_support import unique_region
from support import unique_id_number, unique_phone

from pensioncert.admin import confirmations, home_visits, manual_evidence, overseas, reviews, staff
from pensioncert.admin.labels import ROLE_OPERATOR, ROLE_PROVINCE_ADMIN
from pensioncert.dal import certifications, evidence
from pensioncert.errors import AppError
from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PERSON, SOMEONE_ELSE = "p06", "p04"
VISIT_DAY = "2026-03-01"  # the fake clock's day (Beijing)


def visit_photo(person: str) -> bytes:
    """A frame of the person's own real footage (not the registry photo): what staff photograph. A
    blink window: p06's open-mouth frames sit so close to the registry photo cut from the same
    recording (0.81-0.82) that the copy check takes them for a copy of it (docs/admin.md)."""
    return devset.steps(person, "blink")[0].frames()[0]


def blank_photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (128, 128, 128)).save(out, "JPEG")
    return out.getvalue()


def new_staff(svc, role: str, regions: list[str], label: str):
    username = f"{label}{unique_id_number()[-8:]}"
    assert staff.create_staff(svc, username=username, display_name=f"{label}员", role=role, regions=regions,
                              password="Visit2026abc")
    return staff.current(username, svc)


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


@pytest.fixture
def world(svc, vision_models):
    region = unique_region()
    number = unique_id_number(1947)
    report = import_registry(svc, HEADER + f"{number},周国庆,{region},本单位,recipient,,,{PERSON}.jpg\n",
                             devset.reference_dir(),
                             lambda id_key, image: evidence.put_registry_photo(
                                 svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    assert report.errors == [] and report.written == 1
    operator = new_staff(svc, ROLE_OPERATOR, [region], "op")
    case_id = home_visits.create_from_unit_report(svc, operator, id_number=number, reason="长期卧床",
                                                  address="某市某路1号", contact_phone=unique_phone())
    home_visits.assign(svc, operator, case_id, operator.username)
    return {"region": region, "id": number, "key": svc.vault.lookup("id", number), "op": operator,
            "case": case_id}


def visit(world, photo: bytes | None, **changes) -> manual_evidence.VisitFacts:
    facts = {"photo": photo, "visited_on": VISIT_DAY, "address": "某市某路1号3单元", "visited_by": world["op"].username}
    facts.update(changes)
    return manual_evidence.VisitFacts(**facts)


def refused(call) -> AppError:
    with pytest.raises(AppError) as error:
        call()
    return error.value


def test_a_passed_visit_without_a_photo_or_its_facts_certifies_nothing(svc, world):
    op, case = world["op"], world["case"]
    for facts, words in ((None, "照片"), (visit(world, None), "照片"), (visit(world, blank_photo()), "质量检查"),
                         (visit(world, visit_photo(PERSON), visited_on="2026-03-02"), "日期"),
                         (visit(world, visit_photo(PERSON), address=""), "地址"),
                         (visit(world, visit_photo(PERSON), visited_by="nobody"), "工作人员")):
        error = refused(lambda: home_visits.record_outcome(svc, op, case, passed=True, visit=facts))  # noqa: B023 - called here
        assert error.status == 400 and words in error.message, (words, error.message)
    # A visitor from another region is not a visitor of this person.
    stranger = new_staff(svc, ROLE_OPERATOR, [unique_region()], "far")
    error = refused(lambda: home_visits.record_outcome(
        svc, op, case, passed=True, visit=visit(world, visit_photo(PERSON), visited_by=stranger.username)))
    assert error.status == 400
    assert certifications.for_year(world["key"], 2026) is None
    assert svc.home_visits.get(case).status == "assigned"


def test_the_reference_photo_itself_or_a_resaved_copy_is_no_visit_photo(svc, world):
    from PIL import Image, ImageOps

    reference = devset.reference_photo(PERSON).read_bytes()
    image = Image.open(io.BytesIO(reference)).convert("RGB")

    def jpeg(picture) -> bytes:
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=90)
        return out.getvalue()

    width, height = image.size
    cropped = image.crop((width // 10, height // 10, width - width // 10, height - height // 10))
    for copy in (reference, jpeg(image), jpeg(ImageOps.mirror(image)), jpeg(cropped)):
        error = refused(lambda: home_visits.record_outcome(svc, world["op"], world["case"], passed=True,
                                                           visit=visit(world, copy)))  # noqa: B023 - called here
        assert error.status == 400 and "过于相似" in error.message, error.message
    assert certifications.for_year(world["key"], 2026) is None


def test_a_matching_visit_photo_certifies_once_a_second_staff_member_confirms_it(svc, world):
    result = home_visits.record_outcome(svc, world["op"], world["case"], passed=True,
                                        visit=visit(world, visit_photo(PERSON)))
    assert result["outcome"] == "confirming" and result["similarity"] > 0, result  # vision decided the match
    assert certifications.for_year(world["key"], 2026) is None
    case = svc.home_visits.get(world["case"])
    assert (case.status, case.outcome, case.visited_on) == ("done", "confirming", VISIT_DAY)
    assert svc.vault.open(case.visit_address_sealed) == "某市某路1号3单元"
    assert case.similarity == result["similarity"]
    colleague = new_staff(svc, ROLE_OPERATOR, [world["region"]], "co")
    approved = confirmations.approve(svc, colleague, result["confirmation_id"])
    assert approved["outcome"] == "passed"
    stored = certifications.for_year(world["key"], 2026)
    assert stored.method == "home_visit" and stored.similarity == result["similarity"]
    assert world["op"].display_name in stored.operator and colleague.display_name in stored.operator
    assert stored.reference == "registry_photo" and stored.evidence_key.startswith("evidence/home_visit/")
    bundle = json.loads(evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, stored.evidence_key))
    assert bundle["visited_on"] == VISIT_DAY and bundle["visited_by"] == world["op"].username
    assert svc.vault.open(bundle["address_sealed"]) == "某市某路1号3单元" and "某市某路" not in json.dumps(bundle)
    assert manual_evidence.photo_of(svc, stored.evidence_key) == visit_photo(PERSON)
    assert svc.home_visits.get(world["case"]).outcome == "passed"


def test_another_persons_photo_goes_to_a_provincial_reviewer_instead(svc, world):
    result = home_visits.record_outcome(svc, world["op"], world["case"], passed=True,
                                        visit=visit(world, visit_photo(SOMEONE_ELSE)))
    assert result["outcome"] == "review" and result["similarity"] < 0.5, result
    assert certifications.for_year(world["key"], 2026) is None
    review = svc.reviews.get(result["review_id"])
    assert (review.kind, review.state, review.case_id) == ("home_visit", "pending", world["case"])
    assert review.similarity == result["similarity"] and review.visited_by == world["op"].username
    # The operator who visited cannot confirm it; nor can a provincial administrator who visited.
    error = refused(lambda: reviews.decide(svc, world["op"], review.review_id, passed=True, reason="本人无误"))
    assert error.status == 403
    visiting_admin = new_staff(svc, ROLE_PROVINCE_ADMIN, [], "pv")
    second = home_visits.create_from_unit_report(svc, world["op"], id_number=world["id"], reason="复核后再访",
                                                 address="某市某路1号", contact_phone=unique_phone())
    home_visits.assign(svc, world["op"], second, world["op"].username)
    # One open review per subject: a second mismatching visit cannot open another.
    error = refused(lambda: home_visits.record_outcome(
        svc, world["op"], second, passed=True,
        visit=visit(world, visit_photo(SOMEONE_ELSE), visited_by=visiting_admin.username)))
    assert error.status == 409
    reviewer = new_staff(svc, ROLE_PROVINCE_ADMIN, [], "rv")
    decided = reviews.decide(svc, reviewer, review.review_id, passed=True, reason="核对户籍照片，确为本人（照片年代久远）")
    assert decided["outcome"] == "passed"
    stored = certifications.for_year(world["key"], 2026)
    assert stored.method == "home_visit" and reviewer.display_name in stored.operator
    assert stored.operator_user_id == f"staff:{reviewer.username}" and stored.evidence_key == review.evidence_key


def test_overseas_certification_needs_the_consular_or_video_photo(svc, world):
    op = world["op"]
    text = f"id_number,name,country,agency,phone\n{world['id']},周国庆,新西兰,{world['region']}经办中心,\n"
    assert overseas.import_list(svc, op, text).written == 1
    error = refused(lambda: overseas.certify(svc, op, world["key"], visit(world, None), "video_call"))
    assert error.status == 400
    error = refused(lambda: overseas.certify(svc, op, world["key"], visit(world, visit_photo(PERSON)), ""))
    assert error.status == 400
    mismatch = overseas.certify(svc, op, world["key"], visit(world, visit_photo(SOMEONE_ELSE),
                                                             address="驻奥克兰总领事馆"), "consular")
    assert mismatch["outcome"] == "review" and certifications.for_year(world["key"], 2026) is None
    reviewer = new_staff(svc, ROLE_PROVINCE_ADMIN, [], "rv")
    reviews.decide(svc, reviewer, mismatch["review_id"], passed=False, reason="照片不是本人")
    refused_review = svc.reviews.get(mismatch["review_id"])
    assert refused_review.outcome == "refused" and svc.home_visits.get(refused_review.home_visit_case_id).source == "review"
    asked = overseas.certify(svc, op, world["key"], visit(world, visit_photo(PERSON), address="视频通话"),
                             "video_call")
    assert asked["outcome"] == "confirming" and asked["similarity"] > 0
    assert certifications.for_year(world["key"], 2026) is None
    confirmations.approve(svc, new_staff(svc, ROLE_OPERATOR, [world["region"]], "co"), asked["confirmation_id"])
    stored = certifications.for_year(world["key"], 2026)
    assert stored.method == "overseas" and stored.evidence_key.startswith("evidence/overseas/")


def test_the_vision_similarity_call_matches_at_the_shipped_threshold(svc, vision_models):
    from pensioncert.vision_client import VisionRefusal

    reference = svc.vision.embed_reference(devset.reference_photo(PERSON).read_bytes())
    same = svc.vision.similarity(svc.vision.embed_reference(visit_photo(PERSON)), [reference])
    other = svc.vision.similarity(svc.vision.embed_reference(visit_photo(SOMEONE_ELSE)), [reference])
    assert same["match"] and same["similarity"] >= same["threshold"]
    assert not other["match"] and other["similarity"] < other["threshold"]
    for embedding, references in ((reference[:5], [reference]), (reference, []), (reference, [["x"] * 128])):
        with pytest.raises(VisionRefusal) as refusal:
            svc.vision.similarity(embedding, references)
        assert refusal.value.code == "IMAGE_INVALID"
