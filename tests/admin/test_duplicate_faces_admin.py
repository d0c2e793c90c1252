"""同一人脸对应多名待遇人员 in the admin (issue 22): a face registered under two ID numbers is listed with
both records and their photos, to the staff of the region, and the nightly job lists no pair twice."""
from __future__ import annotations

from pathlib import Path

import pytest
from admin_support import HEADER, operator_for, unique_region
from support import unique_id_number

from pensioncert.dal import evidence

FACES = Path(__file__).resolve().parents[3] / "shared" / "vision-devset" / "faces"


def pairs_within(svc, region: str) -> list[dict]:
    """The region operator's list, less pairs with records of other tests (other regions) that
    imported the same photo: the emulator holds the whole session's registry."""
    from pensioncert.admin import duplicate_faces

    return [pair for pair in duplicate_faces.pairs(svc, operator_for(region)) if pair["other_region"] == region]


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


@pytest.fixture
def registered_twice(svc, vision_models):
    """One photo imported under two ID numbers, and another person, in a region of their own."""
    from pensioncert.logic.registry_import import import_registry

    region = unique_region()
    rows = [(unique_id_number(1951), "赵建国", "Colin_Powell/Colin_Powell_0001.jpg"),
            (unique_id_number(1951), "钱建国", "Colin_Powell/Colin_Powell_0001.jpg"),
            (unique_id_number(1951), "孙秀英", "Amy_Adams/Amy_Adams_0001.jpg")]
    report = import_registry(svc, HEADER + "".join(f"{id_number},{name},{region},本单位,recipient,,,{photo}\n"
                                                   for id_number, name, photo in rows), FACES,
                             lambda id_key, image: evidence.put_registry_photo(
                                 svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    assert report.errors == [] and report.written == 3
    return region, report


def test_the_region_s_operator_sees_the_pair_with_both_records(svc, registered_twice):
    region, _ = registered_twice
    [pair] = pairs_within(svc, region)
    assert {pair["name"], pair["other_name"]} == {"赵建国", "钱建国"} and pair["region"] == pair["other_region"] == region


def test_the_pair_shows_both_photos(svc, registered_twice):
    from pensioncert.admin import duplicate_faces

    region, _ = registered_twice
    [pair] = pairs_within(svc, region)
    shown = duplicate_faces.pair_detail(svc, operator_for(region), pair["pair_id"])
    assert [len(person["photos"]) for person in shown["people"]] == [1, 1]
    assert all(person["photos"][0]["src"].startswith("data:image/jpeg;base64,") for person in shown["people"])


def test_another_region_s_operator_does_not_see_it(svc, registered_twice):
    from pensioncert.admin import duplicate_faces

    assert duplicate_faces.pairs(svc, operator_for(unique_region())) == []


def test_the_nightly_job_lists_no_pair_twice(svc, registered_twice):
    from pensioncert.logic.duplicate_faces import run_nightly

    region, _ = registered_twice
    run_nightly(svc)
    assert len(pairs_within(svc, region)) == 1


def test_the_page_lays_out_the_list_for_a_signed_in_operator(svc, registered_twice, monkeypatch):
    import dash

    from admin_dash import app as admin_app_module
    from admin_dash.components import session

    app = admin_app_module.create_app()
    assert "/duplicates" in [page["path"] for page in dash.page_registry.values()]
    from admin_dash.pages import duplicates as page

    region, _ = registered_twice
    monkeypatch.setattr(session, "current_staff", lambda: operator_for(region))
    monkeypatch.setattr(page, "current_staff", lambda: operator_for(region))
    with app.server.test_request_context("/duplicates"):
        text = str(page.layout())
    assert "同一人脸对应多名待遇人员" in text and "钱建国" in text


def test_the_import_report_names_the_pairs_found(registered_twice):
    from admin_dash.components.reports import import_report

    _, report = registered_twice
    assert "已列入“一人多户”名单" in str(import_report(report))


def test_a_finding_with_a_reason_marks_the_pair_for_both_sides(svc, registered_twice):
    from pensioncert.admin import duplicate_faces

    region, _ = registered_twice
    [pair] = pairs_within(svc, region)
    duplicate_faces.decide(svc, operator_for(region), pair["pair_id"], finding=duplicate_faces.SAME_PERSON,
                           reason="两人为同一人，已转稽核")
    [decided] = pairs_within(svc, region)
    assert decided["state"] == duplicate_faces.FINDINGS[duplicate_faces.SAME_PERSON]


def test_a_pair_is_decided_once(svc, registered_twice):
    from pensioncert.admin import duplicate_faces
    from pensioncert.errors import AppError

    region, _ = registered_twice
    [pair] = pairs_within(svc, region)
    duplicate_faces.decide(svc, operator_for(region), pair["pair_id"], finding="different_people", reason="双胞胎")
    with pytest.raises(AppError) as refused:
        duplicate_faces.decide(svc, operator_for(region), pair["pair_id"], finding="same_person", reason="再次核查")
    assert refused.value.message == "这一对记录已有核查结论"
