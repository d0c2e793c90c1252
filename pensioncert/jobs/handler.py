"""The jobs' Lambda entry point (deployed stages): an EventBridge schedule invokes it daily with
``{"jobs": ["reminders", "suspensions"]}``."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from pensioncert.jobs.reminders import ReminderReport
    from pensioncert.jobs.suspensions import SuspensionReport
    from pensioncert.logic.duplicate_faces import DuplicateFaceReport
    from pensioncert.services import Services


def run_jobs(svc: Services, jobs) -> dict:
    from pensioncert.jobs import reminders, suspensions

    runners: dict[str, Callable[[Services], ReminderReport | SuspensionReport | DuplicateFaceReport]] = {
        "reminders": reminders.run, "suspensions": suspensions.run, "duplicate_faces": _duplicate_faces}
    return {job: runners[job](svc).as_dict() for job in jobs}


def _duplicate_faces(svc: Services) -> DuplicateFaceReport:
    # Imported only when asked for: it needs numpy and faiss, which the API function's zip (the
    # deployed jobs function's code) does not carry; its schedule names only the other two, and
    # docs/duplicate-faces.md says where this one runs.
    from pensioncert.logic import duplicate_faces

    return duplicate_faces.run_nightly(svc)


def handle(event, _context) -> dict:
    from pensioncert.services import services

    return run_jobs(services(), tuple((event or {}).get("jobs") or ("reminders", "suspensions")))
