"""`make import-events FILE=events.csv`: import a life-event feed into the running local stack (or,
with PC_* settings in the environment, into any stage), streaming the file; the same
``import_events`` as the admin upload. Prints the report; exits 1 if any row failed."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pensioncert.import_command import run

if TYPE_CHECKING:
    from pensioncert.logic.event_import import EventImportReport


def import_file(path: Path) -> EventImportReport:
    from pensioncert.logic.event_import import import_events
    from pensioncert.services import services

    with path.open(encoding="utf-8-sig", newline="") as stream:
        return import_events(services(), stream, file=path.name)


def main(argv: list[str]) -> int:
    return run(argv, "make import-events FILE=path/to/events.csv", import_file,
               lambda report: bool(report.error_count))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
