"""`python -m pensioncert.jobs reminders|suspensions|duplicate_faces|all`: run the jobs once against
the running local stack (or, with PC_* settings in the environment, any stage); prints each report."""
from __future__ import annotations

import json
import sys

from pensioncert.settings import adopt_running_stack

JOBS = ("reminders", "suspensions", "duplicate_faces")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in (*JOBS, "all"):
        print("usage: python -m pensioncert.jobs reminders|suspensions|duplicate_faces|all", file=sys.stderr)
        return 2
    adopt_running_stack()
    from pensioncert.jobs.handler import run_jobs
    from pensioncert.services import services

    reports = run_jobs(services(), JOBS if argv[0] == "all" else (argv[0],))
    print(json.dumps(reports, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
