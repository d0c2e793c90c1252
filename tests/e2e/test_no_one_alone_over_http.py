"""Issue 19, findings 1, 2 and 3, played over real HTTP against the stack `make run` starts. The
retiree, the squatter and the accomplice use the API; the rogue operator's admin actions run in a
process of their own against the same stack (staff_actions.py). Each attack now fails to get what
it wanted. Real faces only: p06 is the pensioner of finding 2, p04 the pensioner of finding 3 and
p06 the accomplice; ID cards are drawn."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import devset
import pytest
from support import REPO, unique_id_number
from test_attacks_over_http import PIN, UNIT, card_login, complete, error_of, login, open_session, register
from test_journey import import_registry

HERE = os.path.dirname(__file__)


def staff_action(stack, action: str, id_number: str, photo) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env["PC_DEVSTACK_STATE"] = str(stack.state_file)
    result = subprocess.run([sys.executable, os.path.join(HERE, "staff_actions.py"), action, id_number, str(photo)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def people(vision_models, stack, tmp_path_factory):
    people = {
        "高翠兰": (unique_id_number(1947), "activated", PIN, "p06.jpg"),   # 2: bedridden, registry photo p06
        "冯玉兰": (unique_id_number(1946), "", "", "p04.jpg"),             # 3: no phone, registry photo p04
        "赵文华": (unique_id_number(1975), "activated", PIN, "p06.jpg"),   # 3: the accomplice, a card holder
    }
    rows = [f"{number},{name},{UNIT},{card},{pin},{photo}" for name, (number, card, pin, photo) in people.items()]
    report = import_registry(stack, tmp_path_factory.mktemp("registry"), rows, ("p04", "p06"))
    assert report["written"] == len(people) and report["errors"] == []
    return {name: number for name, (number, *_) in people.items()}


def test_finding_1_id_squatting_before_the_registry_knows_the_person(stack, vision_models, tmp_path):
    made_up = unique_id_number(1950)
    squatter_phone = register(stack, made_up, "钱满仓")
    token = login(stack, squatter_phone)["token"]
    status, body = stack.post("/auth/real-name/sessions", {"name": "钱满仓", "id_number": made_up}, token)
    assert (status, body["error"]["code"]) == (422, "NO_REFERENCE_PHOTO")
    assert "未被登记" in body["error"]["message"]
    report = import_registry(stack, tmp_path, [f"{made_up},钱满仓,{UNIT},activated,{PIN},"], ())
    assert report["errors"] == []
    retiree = card_login(stack, made_up)
    squatter = login(stack, squatter_phone)
    assert retiree["user"]["user_id"] != squatter["user"]["user_id"]
    status, body = stack.get("/query/status?subject=self", squatter["token"])
    assert (status, body["error"]["code"]) == (403, "REAL_NAME_REQUIRED")


def mirrored(photo_path, out_path):
    from PIL import Image, ImageOps

    with Image.open(photo_path) as image:
        buffer = io.BytesIO()
        ImageOps.mirror(image.convert("RGB")).save(buffer, "JPEG", quality=92)
    out_path.write_bytes(buffer.getvalue())
    return out_path


def test_finding_2_a_rogue_operator_cannot_certify_by_home_visit_alone(stack, people, tmp_path):
    pensioner = people["高翠兰"]
    copy = staff_action(stack, "home_visit_alone", pensioner,
                        mirrored(devset.reference_photo("p06"), tmp_path / "mirrored.jpg"))
    assert copy["recorded"]["status"] == 400 and "镜像" in copy["recorded"]["message"], copy
    genuine = tmp_path / "visit.jpg"
    genuine.write_bytes(devset.steps("p06", "blink")[0].frames()[0])
    alone = staff_action(stack, "home_visit_alone", pensioner, genuine)
    assert alone["recorded"]["ok"]["outcome"] == "confirming", alone
    assert alone["self_approval"]["status"] == 403, alone
    status, body = stack.get("/query/status?subject=self", card_login(stack, pensioner)["token"])
    assert (status, body["certified"]) == (200, False), body


def test_finding_3_a_rogue_operator_cannot_swap_the_reference_for_an_accomplices_face(stack, people, tmp_path):
    pensioner, accomplice_id = people["冯玉兰"], people["赵文华"]
    accomplice_face = tmp_path / "accomplice.jpg"
    accomplice_face.write_bytes(devset.reference_photo("p06").read_bytes())
    asked = staff_action(stack, "staff_photo_alone", pensioner, accomplice_face)
    assert "confirmation_id" in asked["asked"]["ok"] and asked["self_approval"]["status"] == 403, asked
    accomplice = card_login(stack, accomplice_id)["token"]
    status, contact = stack.post("/contacts", {"name": "冯玉兰", "id_number": pensioner, "relation": "母亲"}, accomplice)
    assert status == 201, contact
    status, session = open_session(stack, accomplice, contact["contact_id"])
    assert status == 201, session
    assert error_of(complete(stack, accomplice, session, "p06")) == (422, "FACE_MISMATCH")
