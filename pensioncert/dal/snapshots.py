"""The registry and certification tables read whole, page by page, for the matching job's
snapshot (pensioncert/matching/snapshot.py). Locally a scan of the emulator; deployed the
snapshot is DynamoDB's export to S3 of the same tables, so nothing here runs against production."""
from __future__ import annotations

from collections.abc import Iterator

from pensioncert.dal.tables import CertificationTable, RegistryPersonTable

REGISTRY_ATTRIBUTES = ["id_key", "name", "region", "unit", "status", "corrected_name", "corrected_status",
                       "correction_effective", "valid_from", "valid_until", "first_imported_at", "imported_at"]


def registry_items() -> Iterator[RegistryPersonTable]:
    return RegistryPersonTable.scan(attributes_to_get=REGISTRY_ATTRIBUTES)


def certifications_of_year(year: int) -> Iterator[CertificationTable]:
    return CertificationTable.scan(CertificationTable.year == year,
                                   attributes_to_get=["subject_key", "year", "method", "counters_pending"])
