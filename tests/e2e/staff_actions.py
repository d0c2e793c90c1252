"""What a rogue operator does in the admin, run as staff run it: the admin's service layer in a
process of its own against the running stack (`make import`'s way of reaching it), so the API the
e2e tests call over HTTP sees the outcome. Prints one JSON object: each step's answer or refusal.

usage: python staff_actions.py home_visit_alone|staff_photo_alone ID_NUMBER PHOTO_FILE
"""
from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path


def refusal_or(call) -> dict:
    from pensioncert.errors import AppError

    try:
        return {"ok": call()}
    except AppError as error:
        return {"status": error.status, "message": error.message}


def operator_of(svc, region: str):
    from pensioncert.admin import staff

    username = "rogue" + secrets.token_hex(4)
    staff.create_staff(svc, username=username, display_name="经办员", role="operator", regions=[region],
                       password="Rogue2026abc")
    return staff.current(username, svc)


def home_visit_alone(svc, person, photo: bytes) -> dict:
    """Create the case, assign it to themself, name themself as visitor, record it passed."""
    from pensioncert.admin import confirmations, home_visits
    from pensioncert.admin.manual_evidence import VisitFacts
    from pensioncert.clock import BEIJING

    rogue = operator_of(svc, person.region)
    case_id = home_visits.create_from_unit_report(svc, rogue, id_number=svc.vault.open(person.id_sealed),
                                                  reason="长期卧床", address="西安市某路1号", contact_phone="13800000000")
    home_visits.assign(svc, rogue, case_id, rogue.username)
    day = svc.clock.now().astimezone(BEIJING).date().isoformat()
    recorded = refusal_or(lambda: home_visits.record_outcome(
        svc, rogue, case_id, passed=True, visit=VisitFacts(photo, day, "西安市某路1号", rogue.username)))
    answer = {"recorded": recorded}
    if "ok" in recorded and recorded["ok"].get("confirmation_id"):
        answer["self_approval"] = refusal_or(
            lambda: confirmations.approve(svc, rogue, recorded["ok"]["confirmation_id"]))
    return answer


def staff_photo_alone(svc, person, photo: bytes) -> dict:
    from pensioncert.admin import confirmations, pensioners

    rogue = operator_of(svc, person.region)
    asked = refusal_or(lambda: pensioners.set_staff_photo(svc, rogue, person.id_key, image=photo,
                                                          reason="上门认证现场拍摄"))
    answer = {"asked": asked}
    if "ok" in asked:
        answer["self_approval"] = refusal_or(
            lambda: confirmations.approve(svc, rogue, asked["ok"]["confirmation_id"]))
    return answer


def main(argv: list[str]) -> int:
    from pensioncert.settings import adopt_running_stack

    adopt_running_stack()
    from pensioncert.dal import registry
    from pensioncert.services import services

    action, id_number, photo_file = argv
    svc = services()
    person = registry.get_person(svc.vault.lookup("id", id_number))
    actions = {"home_visit_alone": home_visit_alone, "staff_photo_alone": staff_photo_alone}
    print(json.dumps(actions[action](svc, person, Path(photo_file).read_bytes()), ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
