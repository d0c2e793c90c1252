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
    from pensioncert.logic import duplicate_faces

    # duplicate_faces needs faiss, which the API function's zip (Lambda python3.11) does not carry:
    # the deployed schedule names only the first two; docs/duplicate-faces.md says where it runs.
    runners: dict[str, Callable[[Services], ReminderReport | SuspensionReport | DuplicateFaceReport]] = {
        "reminders": reminders.run, "suspensions": suspensions.run, "duplicate_faces": duplicate_faces.run_nightly}
    return {job: runners[job](svc).as_dict() for job in jobs}


def handle(event, _context) -> dict:
    from pensioncert.services import services

    return run_jobs(services(), tuple((event or {}).get("jobs") or ("reminders", "suspensions")))
