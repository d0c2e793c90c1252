"""Imports never lose data (issue 11): an empty photo cell keeps the reference photo, only an
explicit, audited action removes it; the admin upload takes a zip of the CSV and its photos on
the same functions as `make import`."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from admin_support import HEADER, operator_for, unique_region
from support import unique_id_number

from pensioncert.admin import audit, pensioners
from pensioncert.clock import BEIJING
from pensioncert.dal import registry
from pensioncert.errors import AppError
from pensioncert.logic.registry_import import import_registry


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def person(svc, photos, tmp_path):
    """A person imported by the command line with a reference photo beside the CSV."""
    region, number = unique_region(), unique_id_number(1951)
    (tmp_path / "p.jpg").write_bytes((photos / "obama3.jpg").read_bytes())
    row = f"{number},欧巴马,{region},本单位,recipient,,,p.jpg\n"
    assert import_registry(svc, HEADER + row, tmp_path, lambda key, _image: f"photo/{key}").errors == []
    key = svc.vault.lookup("id", number)
    assert registry.get_person(key).reference_embedding
    return {"region": region, "number": number, "key": key, "operator": operator_for(region)}


def test_an_upload_with_an_empty_photo_cell_keeps_the_reference_photo(svc, person):
    """The page tells staff to leave the photo column empty: a routine re-upload that changes the
    unit must not remove the template (NO_REFERENCE_PHOTO afterwards)."""
    # Only the photo cell differs from the first import: nothing changes, nothing is written.
    same = f"{person['number']},欧巴马,{person['region']},本单位,recipient,,,\n"
    assert pensioners.import_upload(svc, person["operator"], HEADER + same).unchanged == 1
    row = f"{person['number']},欧巴马,{person['region']},新单位,recipient,,,\n"
    assert pensioners.import_upload(svc, person["operator"], HEADER + row).written == 1
    kept = registry.get_person(person["key"])
    assert kept.unit == "新单位" and kept.reference_embedding and kept.photo_key == f"photo/{person['key']}"


def test_only_the_explicit_action_removes_the_reference_photo_audited(svc, person):
    with pytest.raises(AppError) as refused:
        pensioners.remove_reference_photo(svc, operator_for(unique_region()), person["key"], reason="照片有误")
    assert refused.value.status == 403
    with pytest.raises(AppError) as no_reason:
        pensioners.remove_reference_photo(svc, person["operator"], person["key"], reason="")
    assert no_reason.value.status == 400
    assert registry.get_person(person["key"]).reference_embedding
    pensioners.remove_reference_photo(svc, person["operator"], person["key"], reason="照片非本人")
    removed = registry.get_person(person["key"])
    assert removed.reference_embedding is None and removed.photo_key is None
    assert pensioners.detail(svc, person["operator"], person["key"])["has_photo"] is False
    day = svc.clock.now().astimezone(BEIJING).date().isoformat()
    event = next(e for e in audit.search(svc, person["operator"], day_from=day, day_to=day,
                                         action="remove_reference_photo") if e["reason"] == "照片非本人")
    assert json.loads(event["before"]) == {"比对照片": "有"} and person["number"] not in event["target"]


def test_the_admin_upload_takes_a_zip_of_the_csv_and_its_photos(svc, photos):
    region = unique_region()
    me = operator_for(region)
    good, outside = unique_id_number(1952), unique_id_number(1953)
    sheet = HEADER + (f"{good},欧巴马,{region},本单位,recipient,,,照片/p.jpg\n"
                      f"{outside},某人,{region},本单位,recipient,,,../etc/passwd\n")
    archive = zipped({"名册/registry.csv": sheet.encode(),
                      "名册/照片/p.jpg": (photos / "obama3.jpg").read_bytes()})
    report = pensioners.import_upload(svc, me, archive, "名册.zip")
    assert report.written == 1 and [(e.line, e.field) for e in report.errors] == [(3, "photo")]
    person = registry.get_person(svc.vault.lookup("id", good))
    assert person.reference_embedding and person.photo_key
    for broken in (b"PK\x03\x04 not a zip", zipped({"a.csv": b"x", "b.csv": b"y"})):
        report = pensioners.import_upload(svc, me, broken, "bad.zip")
        assert report.written == 0 and report.errors[0].field == "file"


def test_the_admin_upload_records_each_photos_result_as_make_import_does(svc, photos):
    """Sent again after a failure, an upload embeds only what no one recorded (logic/import_photos.py)."""
    from pensioncert.dal import photo_results
    from pensioncert.logic.import_photos import photo_key

    region = unique_region()
    first, second = unique_id_number(1952), unique_id_number(1952)
    images = {"a.jpg": (photos / "obama3.jpg").read_bytes(), "b.jpg": (photos / "biden.jpg").read_bytes()}
    archive = zipped({"registry.csv": (HEADER + f"{first},欧巴马,{region},本单位,recipient,,,a.jpg\n"
                                       f"{second},拜登,{region},本单位,recipient,,,b.jpg\n").encode(), **images})
    assert pensioners.import_upload(svc, operator_for(region), archive, "名册.zip").written == 2
    keys = [photo_key(svc.vault, image) for image in images.values()]
    recorded = photo_results.recorded(keys)
    assert sorted(recorded) == sorted(keys)
    assert [recorded[key][0] == registry.get_person(svc.vault.lookup("id", number)).reference_embedding
            for key, number in zip(keys, (first, second), strict=True)] == [True, True]


def test_make_import_takes_the_same_zip(svc, photos, tmp_path, monkeypatch):
    from pensioncert import registry_import as cli

    monkeypatch.setattr("pensioncert.services.services", lambda: svc)
    region, number = unique_region(), unique_id_number(1954)
    path = tmp_path / "名册.zip"
    path.write_bytes(zipped({"registry.csv": (HEADER + f"{number},欧巴马,{region},本单位,recipient,,,p.jpg\n").encode(),
                             "p.jpg": (photos / "obama3.jpg").read_bytes()}))
    report = cli.import_file(path)
    assert report.errors == [] and report.written == 1
    assert registry.get_person(svc.vault.lookup("id", number)).reference_embedding
