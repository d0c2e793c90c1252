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
    from pensioncert.logic.registry_files import import_registry_file
    from pensioncert.services import services

    return import_registry_file(services(), path)


def main(argv: list[str]) -> int:
    return run(argv, "make import FILE=path/to/registry.csv (or .zip with the photos)", import_file,
               lambda report: bool(report.errors))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
