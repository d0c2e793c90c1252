"""`make import-events FILE=events.csv`: import a life-event feed into the running local stack (or,
with PC_* settings in the environment, into any stage), streaming the file; the same
``import_events`` as the admin upload. Prints the report; exits 1 if any row failed.

`make import-events FILE=<feed folder>` (Parquet partitioned by source system and month,
pensioncert/matching/formats.py): the batch job instead (issue 22): the registry snapshot, the
matching job on DuckDB, only the decisions written back (pensioncert/matching/pipeline.py); the
work folder beside the feed (``<feed>.work/<day>``) lets the same command resume after a crash."""
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


def match_folder(feed: Path) -> int:
    import json

    from pensioncert.clock import BEIJING
    from pensioncert.matching.pipeline import match_feed
    from pensioncert.rules.certification import certification_year
    from pensioncert.services import services
    from pensioncert.settings import adopt_running_stack

    adopt_running_stack()
    now = services().clock.now()
    today = now.astimezone(BEIJING).date()
    work = feed.with_name(feed.name + ".work") / today.isoformat()
    report = match_feed(feed, work, year=certification_year(now), today=today)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 1 and Path(argv[0]).is_dir():
        return match_folder(Path(argv[0]))
    return run(argv, "make import-events FILE=path/to/events.csv", import_file,
               lambda report: bool(report.error_count))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
