"""A registry on disk (a CSV with photo paths relative to its folder, or a zip of the CSV and its
photos) imported by the same functions the admin upload calls: for `make import` and the local
stage's demo data. Its photos are embedded by a ``PhotoPool`` (``import_photo_workers`` processes),
each photo's result recorded: a file imported again after a crash embeds only the rest."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pensioncert.dal.evidence import put_registry_photo
from pensioncert.logic.import_photos import PhotoPool
from pensioncert.logic.registry_import import ImportReport, import_archive, import_registry

if TYPE_CHECKING:
    from pensioncert.services import Services


def import_registry_file(svc: Services, path: Path) -> ImportReport:
    s3 = svc.client("s3")

    def store_photo(id_key: str, image: bytes) -> str:
        return put_registry_photo(s3, svc.settings.evidence_bucket, id_key, image)

    with PhotoPool(svc) as pool:
        if path.suffix.lower() == ".zip":
            return import_archive(svc, path.read_bytes(), store_photo, source=path.name, photo_pool=pool)
        text = path.read_text(encoding="utf-8-sig")
        return import_registry(svc, text, path.parent, store_photo, source=path.name, photo_pool=pool)
