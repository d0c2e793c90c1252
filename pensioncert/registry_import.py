"""`make import FILE=registry.csv` (or a .zip of the CSV and its photos): import a pensioner
registry into the running local stack
(or, with PC_* settings in the environment, into any stage)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pensioncert.import_command import run

if TYPE_CHECKING:
    from pensioncert.logic.registry_import import ImportReport


def import_file(path: Path) -> ImportReport:
    """A registry CSV (photo paths relative to its directory) or a zip of the CSV and its photos:
    the same functions the admin upload calls."""
    from pensioncert.dal.evidence import put_registry_photo
    from pensioncert.logic.registry_import import import_archive, import_registry
    from pensioncert.services import services

    svc = services()
    s3 = svc.client("s3")

    def store_photo(id_key: str, image: bytes) -> str:
        return put_registry_photo(s3, svc.settings.evidence_bucket, id_key, image)

    if path.suffix.lower() == ".zip":
        return import_archive(svc, path.read_bytes(), store_photo, source=path.name)
    text = path.read_text(encoding="utf-8-sig")
    return import_registry(svc, text, path.parent, store_photo, source=path.name)


def main(argv: list[str]) -> int:
    return run(argv, "make import FILE=path/to/registry.csv (or .zip with the photos)", import_file,
               lambda report: bool(report.errors))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
