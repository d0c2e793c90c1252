import pytest
from support import id_card_front
from conftest import jpeg

import vision
from vision.matching import MATCH_THRESHOLD, similarity


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


def _open_mouth_step(photo):
    return ("open_mouth", [photo("obama3.jpg"), photo("obama.jpg"), photo("obama2.jpg")])


def test_session_matches_every_reference(photo, refs):
    d = vision.decide_session([_open_mouth_step(photo)], [refs["obama.jpg"], refs["obama3.jpg"]])
    assert d.similarity is not None and d.similarity >= MATCH_THRESHOLD
    assert len(d.live_embedding) == 128
    assert set(d.timings_ms) >= {"decode", "detect", "landmarks", "embed", "rules"}


def test_session_fails_if_any_reference_is_someone_else(photo, refs):
    with pytest.raises(vision.VisionError) as e:
        vision.decide_session([_open_mouth_step(photo)], [refs["obama.jpg"], refs["biden.jpg"]])
    assert e.value.code == "FACE_MISMATCH"


def test_liveness_only_session_has_no_similarity(photo):
    assert vision.decide_session([_open_mouth_step(photo)], []).similarity is None


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
