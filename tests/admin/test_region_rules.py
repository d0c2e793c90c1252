"""Region is a boundary (issue 11), each rule tried as the operator of another region: an upload
never takes over or moves another region's person, never changes an activated card's PIN, every
changed row is audited in the transaction of its change, and no name is told across regions."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from admin_support import HEADER, operator_for, unique_region
from pynamodb.exceptions import TransactWriteError
from support import unique_id_number

from pensioncert import passwords
from pensioncert.admin import audit, overseas, pensioners
from pensioncert.clock import BEIJING
from pensioncert.dal import registry, stats
from pensioncert.errors import AppError
from pensioncert.logic.registry_import import import_registry


@pytest.fixture
def cities(svc):
    """Two regions, the CLI's import of one person each (an activated card with a PIN), and the
    first region's operator."""
    home, other = unique_region(), unique_region()
    mine, theirs = unique_id_number(1950), unique_id_number(1940)
    rows = (f"{mine},王建国,{home},本单位,recipient,activated,111111,\n"
            f"{theirs},陈志强,{other},他单位,deceased,activated,111111,\n")
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    return {"home": home, "other": other, "mine": mine, "theirs": theirs,
            "key": {"mine": svc.vault.lookup("id", mine), "theirs": svc.vault.lookup("id", theirs)},
            "operator": operator_for(home)}


def pin_is(svc, id_key: str, pin: str) -> bool:
    return passwords.verify_secret(svc.settings, registry.get_card(id_key).pin_hash, pin)


def events(svc, principal, action: str) -> list[dict]:
    day = svc.clock.now().astimezone(BEIJING).date().isoformat()
    return audit.search(svc, principal, day_from=day, day_to=day, action=action)


def test_an_operator_cannot_take_over_another_regions_person_by_upload(svc, cities):
    """The issue's attack: a row with another region's ID number, the operator's region, status
    recipient and the operator's PIN."""
    row = f"{cities['theirs']},陈志强,{cities['home']},本单位,recipient,activated,222222,\n"
    report = pensioners.import_upload(svc, cities["operator"], HEADER + row, "r.csv")
    assert report.written == 0 and [(e.line, e.field) for e in report.errors] == [(2, "region")]
    assert "陈志强" not in report.errors[0].message and cities["other"] not in report.errors[0].message
    person = registry.get_person(cities["key"]["theirs"])
    assert (person.region, person.status) == (cities["other"], "deceased")
    assert pin_is(svc, cities["key"]["theirs"], "111111") and not pin_is(svc, cities["key"]["theirs"], "222222")


def test_an_operator_creates_only_records_of_their_regions(svc, cities):
    new = unique_id_number(1955)
    report = pensioners.import_upload(svc, cities["operator"], HEADER + f"{new},李新,{cities['other']},他单位,recipient,,,\n")
    assert [(e.line, e.field) for e in report.errors] == [(2, "region")]
    assert registry.get_person(svc.vault.lookup("id", new)) is None


def test_an_import_never_moves_a_person_between_regions_a_provincial_move_does(svc, cities, province_admin):
    key = cities["key"]["mine"]
    moved_row = f"{cities['mine']},王建国,{cities['other']},他单位,recipient,activated,111111,\n"
    for importer in (cities["operator"], province_admin):
        report = pensioners.import_upload(svc, importer, HEADER + moved_row)
        assert [(e.line, e.field) for e in report.errors] == [(2, "region")]
    assert import_registry(svc, HEADER + moved_row, None, None).errors[0].field == "region"
    assert registry.get_person(key).region == cities["home"]

    with pytest.raises(AppError) as refused:
        pensioners.move_region(svc, operator_for(cities["other"]), key, region=cities["other"],
                               unit="他单位", reason="迁居")
    assert refused.value.status == 403
    with pytest.raises(AppError) as no_reason:
        pensioners.move_region(svc, province_admin, key, region=cities["other"], unit="他单位", reason="")
    assert no_reason.value.status == 400
    listing = "id_number,name,country,agency,phone\n" + f"{cities['mine']},王建国,日本,某中心,\n"
    assert overseas.import_list(svc, cities["operator"], listing).written == 1
    before = stats.read_scope(stats.registry_scope(cities["other"])).get("recipients", 0)
    pensioners.move_region(svc, province_admin, key, region=cities["other"], unit="他单位",
                           reason="本人迁居延安")
    assert (registry.get_person(key).region, registry.get_person(key).unit) == (cities["other"], "他单位")
    assert stats.read_scope(stats.registry_scope(cities["other"]))["recipients"] == before + 1
    assert stats.read_scope(stats.registry_scope(cities["home"])).get("recipients", 0) == 0
    event = next(e for e in events(svc, province_admin, "move_region") if e["reason"] == "本人迁居延安")
    assert cities["home"] in event["before"] and cities["other"] in event["after"]
    assert cities["mine"] not in event["target"]
    # The person now belongs to the other region, in the overseas list too: the first region's
    # operator can no longer change them.
    assert key in [row["key"] for row in overseas.residents(svc, operator_for(cities["other"]))]
    with pytest.raises(AppError) as abroad:
        overseas.certify(svc, cities["operator"], key)
    assert abroad.value.status == 403
    report = pensioners.import_upload(svc, cities["operator"], HEADER + f"{cities['mine']},王建国,{cities['home']},本单位,recipient,,,\n")
    assert [e.field for e in report.errors] == ["region"]


def test_an_upload_never_changes_an_activated_cards_pin(svc, cities):
    """Not directly, and not in two steps (first not activated, then activated with a new PIN)."""
    me, key = cities["operator"], cities["key"]["mine"]
    changed = f"{cities['mine']},王建国,{cities['home']},本单位,suspended,activated,333333,\n"
    assert pensioners.import_upload(svc, me, HEADER + changed).written == 1
    assert registry.get_person(key).status == "suspended"
    assert pin_is(svc, key, "111111")
    for card_status, pin in (("not_activated", ""), ("activated", "444444")):
        row = f"{cities['mine']},王建国,{cities['home']},本单位,suspended,{card_status},{pin},\n"
        assert pensioners.import_upload(svc, me, HEADER + row).errors == []
    assert registry.get_card(key).card_status == "activated"
    assert pin_is(svc, key, "111111")


def test_every_changed_row_is_audited_with_before_and_after_masked(svc, cities):
    me = cities["operator"]
    row = f"{cities['mine']},王建国,{cities['home']},新单位,recipient,activated,111111,\n"
    svc.clock.advance(seconds=1)
    assert pensioners.import_upload(svc, me, HEADER + row, "变更.csv").written == 1
    assert pensioners.import_upload(svc, me, HEADER + row, "变更.csv").unchanged == 1  # no event
    found = [e for e in events(svc, me, "import_row") if cities["mine"][-4:] in e["target"]]
    assert [e["actor"] for e in found] == [me.username, "make-import"]  # newest first: the fixture's import
    event = found[0]
    assert json.loads(event["before"]) == {"单位": "本单位"} and json.loads(event["after"]) == {"单位": "新单位"}
    assert event["actor"] == me.username and event["region"] == cities["home"] and "变更.csv" in event["reason"]
    assert cities["mine"] not in json.dumps(event, ensure_ascii=False) and "111111" not in json.dumps(event)
    assert not [e for e in events(svc, operator_for(cities["other"]), "import_row")
                if cities["mine"][-4:] in e["target"]]


def test_a_row_and_its_audit_event_commit_or_fail_together(svc, cities, monkeypatch):
    """An audit event that cannot be written (its id taken) leaves the row unwritten."""
    from pensioncert.dal import audit as audit_dal

    svc.clock._now = datetime(2026, 3, 1, 10, 0, 7, tzinfo=BEIJING)
    monkeypatch.setattr(audit_dal.secrets, "token_hex", lambda _n: "taken0taken0")
    audit_dal.append(now=svc.clock.now(), actor="x", actor_name="x", action="login", target="x",
                     region=None, before=None, after=None, reason=None)
    row = f"{cities['mine']},王建国,{cities['home']},另一单位,recipient,activated,111111,\n"
    with pytest.raises(TransactWriteError):
        pensioners.import_upload(svc, cities["operator"], HEADER + row)
    assert registry.get_person(cities["key"]["mine"]).unit == "本单位"


def test_the_overseas_import_checks_the_region_before_the_name(svc, cities):
    listing = ("id_number,name,country,agency,phone\n"
               f"{cities['theirs']},别的名,日本,某中心,\n")
    report = overseas.import_list(svc, cities["operator"], listing)
    assert [(e.line, e.field) for e in report.errors] == [(2, "id_number")]
    assert "陈志强" not in report.errors[0].message


def test_every_changed_overseas_row_is_audited_masked(svc, cities):
    me = cities["operator"]
    phone = "+64 21 123 4567"
    listing = "id_number,name,country,agency,phone\n" + f"{cities['mine']},王建国,新西兰,某中心,{phone}\n"
    assert overseas.import_list(svc, me, listing).written == 1
    assert overseas.import_list(svc, me, listing).unchanged == 1  # no event
    svc.clock.advance(seconds=1)
    assert overseas.import_list(svc, me, listing.replace("新西兰", "澳大利亚")).written == 1
    found = [e for e in events(svc, me, "overseas_row") if cities["mine"][-4:] in e["target"]]
    assert [json.loads(e["after"]).get("居住国家或地区") for e in found] == ["澳大利亚", "新西兰"]
    assert json.loads(found[0]["before"]) == {"居住国家或地区": "新西兰"}
    assert phone not in json.dumps(found, ensure_ascii=False) and cities["mine"] not in json.dumps(found)
