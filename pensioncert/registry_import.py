"""`make import FILE=registry.csv` (or a .zip of the CSV and its photos): import a pensioner
registry into the running local stack
(or, with PC_* settings in the environment, into any stage)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from pensioncert.devstack import adopt_running_stack


def import_file(path: Path):
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
    if len(argv) != 1 or not argv[0]:
        print("usage: make import FILE=path/to/registry.csv (or .zip with the photos)", file=sys.stderr)
        return 2
    adopt_running_stack()
    path = Path(argv[0])
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    report = import_file(path)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
