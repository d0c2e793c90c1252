"""The scheduled jobs' question "who" at scale, on the same engine and snapshot as the matching:
the uncertified recipients (the reminders due at today's point), those whose suspension is due
for a past year, and each region's counts. When a reminder or a suspension is due (the point, the
due year) stays with pensioncert/jobs (``reminders.current_point``, ``suspensions.due_year``);
the SMS and the suspension records are then written per person as those jobs do."""
from __future__ import annotations

from datetime import date


def steps(year: int, suspension_year: int | None, suspension_since: date | None) -> list[tuple[str, str]]:
    """``year``: the certification year of the reminders; ``suspension_year``: the year whose due
    date has passed (None: no suspension due), ``suspension_since``: the day after that due date."""
    suspensions = "SELECT CAST(NULL AS STRING) AS id_key, CAST(NULL AS STRING) AS region WHERE FALSE"
    if suspension_year is not None and suspension_since is not None:
        suspensions = f"""
SELECT r.id_key, r.region, r.unit FROM registry r
LEFT JOIN certifications c ON c.subject_key = r.id_key AND c.year = {int(suspension_year)}
WHERE r.status = 'recipient' AND c.subject_key IS NULL
  AND r.first_imported < DATE '{suspension_since.isoformat()}'"""
    return [
        ("reminders_due", f"""
SELECT r.id_key, r.region, r.unit FROM registry r
LEFT JOIN certifications c ON c.subject_key = r.id_key AND c.year = {int(year)}
WHERE r.status = 'recipient' AND c.subject_key IS NULL"""),
        ("suspensions_due", suspensions),
        ("by_region", f"""
SELECT r.region, COUNT(*) AS recipients, COUNT(c.subject_key) AS certified
FROM registry r LEFT JOIN certifications c ON c.subject_key = r.id_key AND c.year = {int(year)}
WHERE r.status = 'recipient' GROUP BY r.region"""),
    ]


OUTPUT_VIEWS = {"reminders_due.parquet": "reminders_due", "suspensions_due.parquet": "suspensions_due",
                "by_region.parquet": "by_region"}
