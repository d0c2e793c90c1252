"""The Glue job's snapshot step without Spark or AWS (pensioncert/matching/glue_job.py): items as
DynamoDB's export writes them (one ``{"Item": …}`` DynamoDB-JSON line each) become the same rows as
the local dump, and the Spark schema is formats.py's."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from pensioncert.dal.tables import CertificationTable, RegistryPersonTable
from pensioncert.matching import formats
from pensioncert.matching.glue_job import certification_rows, registry_rows, spark_schema


def exported(item) -> str:
    return json.dumps({"Item": item.serialize()}, ensure_ascii=False)


def person(key: str, **fields) -> RegistryPersonTable:
    values = {"id_sealed": "sealed", "name": "李秀英", "region": "西安市", "unit": "某单位", "status": "recipient",
              "row_fingerprint": "f", "imported_at": datetime(2026, 5, 1, 2, tzinfo=UTC),
              "first_imported_at": datetime(2020, 12, 31, 17, tzinfo=UTC), **fields}
    return RegistryPersonTable(key, **values)


def test_exported_registry_items_become_the_dumps_rows():
    lines = [exported(person("k1")),
             exported(person("k2", corrected_name="李秀云", corrected_status="deceased", correction_effective="20261101")),
             exported(person("k3", valid_until="20261001"))]  # an ID-number correction's old item
    rows = list(registry_rows(lines, "20261130"))
    assert rows == [
        {"id_key": "k1", "name": "李秀英", "corrected_name": None, "region": "西安市", "unit": "某单位",
         "status": "recipient", "first_imported": date(2021, 1, 1)},  # 17:00 UTC is the next day in Beijing
        {"id_key": "k2", "name": "李秀英", "corrected_name": "李秀云", "region": "西安市", "unit": "某单位",
         "status": "deceased", "first_imported": date(2021, 1, 1)}]


def test_only_the_years_certifications_are_kept_with_their_pending_counters():
    def certification(key: str, year: int, **pending) -> str:
        return exported(CertificationTable(key, year, method="data_match", certified_at="x", region="r", unit="u",
                                           certification_id="c", **pending))

    rows = list(certification_rows([certification("k1", 2026), certification("k2", 2025),
                                    certification("k3", 2026, counters_pending=True)], 2026))
    assert rows == [{"subject_key": "k1", "year": 2026, "method": "data_match", "counters_pending": False},
                    {"subject_key": "k3", "year": 2026, "method": "data_match", "counters_pending": True}]


def test_the_spark_schema_is_the_formats_schema():
    assert spark_schema(formats.REGISTRY_SCHEMA) == ("id_key string, name string, corrected_name string, "
                                                     "region string, unit string, status string, first_imported date")
    assert spark_schema(formats.CERTIFICATIONS_SCHEMA) == "subject_key string, year int, method string, counters_pending boolean"
