"""`make import-events FILE=events.csv`: import a life-event feed into the running local stack (or,
with PC_* settings in the environment, into any stage), streaming the file; the same
``import_events`` as the admin upload. Prints the report; exits 1 if any row failed."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from pensioncert.devstack import adopt_running_stack


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print("usage: make import-events FILE=path/to/events.csv", file=sys.stderr)
        return 2
    adopt_running_stack()
    path = Path(argv[0])
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    from pensioncert.logic.event_import import import_events
    from pensioncert.services import services

    with path.open(encoding="utf-8-sig", newline="") as stream:
        report = import_events(services(), stream, file=path.name)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 1 if report.error_count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
