"""Issue 19's fraud signals (rules/fraud_signals.py): each situation is built through the API and
the admin's services, and each signal lists exactly the audit records behind it, in the operator's
own regions only."""
from __future__ import annotations

import csv
import io

import pytest
from admin_support import HEADER, operator_for, unique_region
from auth_steps import post
from support import unique_id_number
from test_manual_evidence import PERSON, vision_models, visit, visit_photo, world  # noqa: F401 - fixtures

from pensioncert import normalize
from pensioncert.admin import fraud_signals, home_visits, pensioners
from pensioncert.logic.registry_import import import_registry
from pensioncert.rules import fraud_signals as rules

PIN = "135791"


def import_rows(svc, region: str, people: list[tuple[str, str]], photo_dir=None) -> list[str]:
    """people: (name, photo file or ""); all in ``region`` with an activated card; returns ID numbers."""
    numbers = [unique_id_number(1950) for _ in people]
    text = HEADER + "".join(f"{number},{name},{region},本单位,recipient,activated,{PIN},{photo}\n"
                            for number, (name, photo) in zip(numbers, people))
    assert import_registry(svc, text, photo_dir, lambda key, _image: f"photo/{key}").errors == []
    return numbers


def card_login(api, number) -> str:
    status, body = post(api, "/auth/card-login", {"id_number": number, "card_password": PIN})
    assert status == 200, body
    return body["token"]


def add_contacts(api, token, numbers) -> None:
    for number in numbers:
        status, body = post(api, "/contacts", {"name": "王秀英", "id_number": number, "relation": "母亲"}, token)
        assert status == 201, body


def signal(svc, principal, key) -> list[dict]:
    return next(found for found in fraud_signals.signals(svc, principal) if found["key"] == key)["records"]


@pytest.fixture
def region_of_contacts(svc, api):
    """One account adds the threshold's number of people, another one fewer, all in one region."""
    region = unique_region()
    many, few = (import_rows(svc, region, [("王秀英", "")] * rules.CONTACTS_ADDED_TO_MANY_PEOPLE) for _ in range(2))
    adder, family = import_rows(svc, region, [("赵文华", ""), ("周建国", "")])
    add_contacts(api, card_login(api, adder), many)
    add_contacts(api, card_login(api, family), few[:-1])
    return {"region": region, "many": many}


def test_an_account_adding_many_people_is_listed_with_exactly_those_additions(svc, region_of_contacts):
    records = signal(svc, operator_for(region_of_contacts["region"]), rules.CONTACTS_TO_MANY.key)
    assert sorted(record["target"] for record in records) == sorted(
        normalize.mask_id_number(number) for number in region_of_contacts["many"])


def test_an_operator_sees_no_signal_of_another_region(svc, region_of_contacts):
    assert signal(svc, operator_for(unique_region()), rules.CONTACTS_TO_MANY.key) == []


def test_the_export_holds_the_records_of_the_signals(svc, region_of_contacts):
    _name, content = fraud_signals.export(svc, operator_for(region_of_contacts["region"]))
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(line[5] for line in lines[1:]) == sorted(
        normalize.mask_id_number(number) for number in region_of_contacts["many"])


def test_a_removed_reference_photo_is_listed_with_who_removed_it(svc, photos, tmp_path):
    region = unique_region()
    (tmp_path / "p.jpg").write_bytes((photos / "obama3.jpg").read_bytes())
    number, = import_rows(svc, region, [("欧巴马", "p.jpg")], tmp_path)
    operator = operator_for(region)
    pensioners.remove_reference_photo(svc, operator, svc.vault.lookup("id", number), reason="照片非本人")
    records = signal(svc, operator, rules.REFERENCE_PHOTO_REPLACED.key)
    assert [(record["actor"], record["reason"]) for record in records] == [(operator.username, "照片非本人")]


def test_a_visit_recorded_at_night_is_listed_and_one_by_day_is_not(svc, world):
    operator, case = world["op"], world["case"]
    home_visits.record_outcome(svc, operator, case, passed=False, failure_reason="家中无人")  # 17:00 Beijing
    svc.clock.advance(hours=6)  # 23:00 Beijing, the same visit day
    home_visits.record_outcome(svc, operator, case, passed=True, visit=visit(world, visit_photo(PERSON)))
    records = signal(svc, operator_for(world["region"]), rules.CERTIFIED_AT_ODD_HOURS.key)
    assert [(record["time"][11:16], record["actor"]) for record in records] == [("23:00", operator.username)]
