"""Helpers of the admin tests (not in conftest.py: other suites have a conftest module too)."""
from __future__ import annotations

import itertools
import random

from support import unique_id_number

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
_regions = itertools.count(random.randrange(1_000_000))


def unique_region() -> str:
    """A region no other test uses, so counters of a region are this test's alone."""
    return f"测试{next(_regions)}市"


def operator_for(*regions: str):
    from pensioncert.admin.labels import ROLE_OPERATOR
    from pensioncert.admin.principal import StaffPrincipal

    return StaffPrincipal(f"op_{regions[0]}", f"{regions[0]}经办员", ROLE_OPERATOR, tuple(regions))


def import_people(svc, rows: list[tuple]) -> dict:
    """rows: (label, name, region, unit, status); returns label -> ID number."""
    from pensioncert.logic.registry_import import import_registry

    ids = {label: unique_id_number(1950) for label, *_ in rows}
    text = HEADER + "".join(f"{ids[label]},{name},{region},{unit},{status},,,\n"
                            for label, name, region, unit, status in rows)
    report = import_registry(svc, text, None, lambda *_: None)
    assert report.errors == [], report.errors
    return ids
