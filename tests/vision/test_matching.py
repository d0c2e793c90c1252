import devset
import numpy as np
import pytest
from support import id_card_front
from vision_images import jpeg

import vision
from vision.detector import get_detector
from vision.matching import MATCH_THRESHOLD, REVIEW_THRESHOLD, in_review_band, is_match, mismatch, similarity


@pytest.fixture(scope="module")
def refs(photo):
    return {n: vision.embed_reference(photo(n)) for n in ("obama.jpg", "obama3.jpg", "biden.jpg", "astronaut.png")}


def test_reference_is_a_128_float_template(refs):
    assert all(len(v) == 128 and all(isinstance(x, float) for x in v) for v in refs.values())


def test_same_person_across_photos_matches(refs):
    assert similarity(refs["obama.jpg"], refs["obama3.jpg"]) >= MATCH_THRESHOLD


@pytest.mark.parametrize("other", ["biden.jpg", "astronaut.png"])
def test_different_people_do_not_match(refs, other):
    assert similarity(refs["obama.jpg"], refs[other]) < MATCH_THRESHOLD
    assert similarity(refs["obama3.jpg"], refs[other]) < MATCH_THRESHOLD


def test_similarity_scale():
    a = [0.1] * 128
    assert similarity(a, a) == 1.0
    assert 0.0 <= similarity(a, [-0.5] * 128) <= 1.0


# Sessions: p06's real steps (one recording) against dev-set reference photos. Measured with
# layers/vision/measure_match.py: p06's blink + open_mouth session scores 0.789 against p06's
# reference, 0.597 against p25's (the closest other person: review band) and 0.245 against p04's.
P06_STEPS = ("blink", "open_mouth")


@pytest.fixture(scope="module")
def p06_session():
    return [(s.challenge, s.frames()) for s in devset.chosen_steps(P06_STEPS, "p06")]


@pytest.fixture(scope="module")
def devref():
    return lambda person: vision.embed_reference(devset.reference_photo(person).read_bytes())


def test_session_matches_the_persons_reference(p06_session, devref):
    d = vision.decide_session(p06_session, [devref("p06")])
    assert d.similarity is not None and d.similarity >= MATCH_THRESHOLD
    assert len(d.live_embedding) == 128
    assert set(d.timings_ms) >= {"decode", "detect", "landmarks", "embed", "rules"}


def test_session_fails_if_any_reference_is_someone_else(p06_session, devref):
    with pytest.raises(vision.VisionError) as e:
        vision.decide_session(p06_session, [devref("p06"), devref("p04")])
    assert e.value.code == "FACE_MISMATCH"
    sim = e.value.similarity
    assert sim < REVIEW_THRESHOLD and not e.value.review_band  # far below: no review
    assert e.value.answer() == {"ok": False, "code": "FACE_MISMATCH", "detail": f"similarity:{sim:.3f}",
                                "similarity": sim, "review_band": False}


def test_someone_close_is_a_mismatch_marked_for_review_never_a_match(p06_session, devref):
    """The review band: p25 is not p06 but scores between REVIEW_THRESHOLD and MATCH_THRESHOLD, so
    the session is refused as FACE_MISMATCH with the review mark, for a person to look at."""
    with pytest.raises(vision.VisionError) as e:
        vision.decide_session(p06_session, [devref("p25")])
    assert e.value.code == "FACE_MISMATCH"
    assert REVIEW_THRESHOLD <= e.value.similarity < MATCH_THRESHOLD and e.value.review_band is True
    assert e.value.answer()["review_band"] is True and e.value.answer()["similarity"] == e.value.similarity


def test_review_band_edges():
    assert mismatch(MATCH_THRESHOLD - 1e-5).review_band
    assert mismatch(REVIEW_THRESHOLD).review_band and mismatch(REVIEW_THRESHOLD).detail == f"similarity:{REVIEW_THRESHOLD:.3f}"
    assert not mismatch(REVIEW_THRESHOLD - 0.001).review_band
    assert not in_review_band(MATCH_THRESHOLD) and is_match(MATCH_THRESHOLD)


def test_liveness_only_session_has_no_similarity(p06_session):
    assert vision.decide_session(p06_session, []).similarity is None


def _far_away(person: str):
    """The person's reference photo scaled so the face is ~110 px wide, in the middle of a
    3000 x 3000 px plain wall: someone photographed from a few metres (face ~4 % of the side)."""
    import cv2

    img = cv2.imread(str(devset.reference_photo(person)))
    f = 110 / get_detector().detect(img, tiled=True)[0].width
    small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    page = np.full((3000, 3000, 3), (182, 196, 205), np.uint8)
    h, w = small.shape[:2]
    page[1500 - h // 2 : 1500 - h // 2 + h, 1500 - w // 2 : 1500 - w // 2 + w] = small
    return page


def test_photo_the_short_range_model_misses_embeds_through_the_full_range_fallback(p06_session, devref):
    page = _far_away("p06")
    det = get_detector()
    assert det.short.detect(page, tiled=True) == []  # short range alone, tiles included: no face
    assert det.detect(page) == []  # a live frame never falls back
    assert len(det.detect(page, tiled=True)) == 1
    template = vision.embed_reference(jpeg(page, 90))
    assert similarity(template, devref("p06")) >= MATCH_THRESHOLD
    assert vision.decide_session(p06_session, [template]).similarity >= MATCH_THRESHOLD


def test_id_card_portrait_is_found_and_matches(img, refs):
    o = img("obama.jpg")
    portrait = o[60:560, 290:680]  # head and shoulders, as printed on a card
    emb = vision.embed_id_card_portrait(jpeg(id_card_front(portrait)))
    assert similarity(emb, refs["obama3.jpg"]) >= MATCH_THRESHOLD
    assert similarity(emb, refs["biden.jpg"]) < MATCH_THRESHOLD


def test_id_card_without_portrait_is_unreadable():
    with pytest.raises(vision.VisionError) as e:
        vision.embed_id_card_portrait(jpeg(id_card_front(None)))
    assert e.value.code == "ID_CARD_UNREADABLE"
