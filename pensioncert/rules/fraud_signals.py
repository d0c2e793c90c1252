"""Fraud signals (issue 19): patterns in the audit log, the certifications, the failed tries and the
session counters that a person should look at. Each is a trigger for human review, never a decision:
a signal stops nothing and changes no record.

Each signal names what it reads and the threshold at which the records behind it are listed. The
admin service (admin/fraud_signals.py) reads them region by region (audit events through
admin.audit), so an operator sees the signals of their own regions only."""
from __future__ import annotations

from dataclasses import dataclass

from pensioncert import labels

# The window the signals look back over: the audit log answers at most 31 days per query.
WINDOW_DAYS = 31

# An account that added this many different people as contacts within the window: a household's
# parents and parents-in-law are four, so a fifth person is more than a family certifying its own.
# Finding 5's stranger added retirees he did not know.
CONTACTS_ADDED_TO_MANY_PEOPLE = 5

# Every replaced or removed reference photo is listed: finding 3's rogue operator swapped one for an
# accomplice's face, and a swap is rare enough to look at each time.
REFERENCE_PHOTO_ACTIONS = ("set_staff_photo", "remove_reference_photo")
CONTACT_ADD_ACTION = "contact_add"

# Staff actions that cause or approve a certification (a visit's outcome, an overseas certificate,
# the second person's approval), and the Beijing hours at which one is listed: offices and home
# visits keep daytime hours, so a certification recorded at night is worth a look.
CERTIFYING_ACTIONS = ("hv_outcome", "overseas_certify", "confirm_approved")
ODD_HOURS_FROM, ODD_HOURS_UNTIL = 22, 6  # 22:00 to 05:59 Beijing

# An app account that certified this many different people for others (method proxy_app) within the
# window: as for contacts, a household's parents and parents-in-law are four, so a fifth is more than
# a family certifying its own. Counted within the regions the reader sees.
PROXY_CERTIFIED_MANY_PEOPLE = 5
PROXY_METHOD = "proxy_app"

# Home visits one staff member can make in a working day: 8 hours, and at least 30 minutes a visit
# (getting to the home, checking the person, taking the photo, writing the record), so 16. Every visit
# outcome stands for a trip, a failed one (no one at home) too, so more outcomes than that recorded
# by one person in one Beijing day are listed.
WORKING_MINUTES_PER_DAY = 8 * 60
MIN_MINUTES_PER_VISIT = 30
VISITS_POSSIBLE_PER_DAY = WORKING_MINUTES_PER_DAY // MIN_MINUTES_PER_VISIT
VISIT_OUTCOME_ACTION = "hv_outcome"

# A certification this close above vision's match threshold (similarity in [threshold, threshold +
# band)) after a counted face mismatch of the same year: the threshold is the dev set's highest
# impostor similarity + 0.02 (layers/vision/vision/match_calibration.py), so a pass in the band is
# within reach of a look-alike, and one after a mismatch may be someone else trying until a face got
# through.
NEAR_MATCH_BAND = 0.05
FACE_MISMATCH = "FACE_MISMATCH"

# Liveness sessions an account opened and never completed within the window (in the regions of the
# people they were for): a session left to expire is a draw of challenges re-rolled or given up.
# 20 is a whole day of an account's sessions (settings.liveness_sessions_per_account_per_day) left
# unanswered; an honest household (one person and four parents, each certifying once a year, a few
# sessions left to expire while learning the app) stays well below it.
SESSIONS_LEFT_UNFINISHED = 20


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    how_to_read: str


def _signal(key: str, words: tuple[str, str], **numbers) -> Signal:
    title, how_to_read = words
    return Signal(key, title, how_to_read.format(**numbers))


CONTACTS_TO_MANY = _signal("contacts_to_many", labels.CONTACTS_TO_MANY,
                           days=WINDOW_DAYS, people=CONTACTS_ADDED_TO_MANY_PEOPLE)
REFERENCE_PHOTO_REPLACED = _signal("reference_photo_replaced", labels.REFERENCE_PHOTO_REPLACED, days=WINDOW_DAYS)
CERTIFIED_AT_ODD_HOURS = _signal("certified_at_odd_hours", labels.CERTIFIED_AT_ODD_HOURS,
                                 start=ODD_HOURS_FROM, end=ODD_HOURS_UNTIL)

PROXY_CERTIFIED_MANY = _signal("proxy_certified_many", labels.PROXY_CERTIFIED_MANY,
                               days=WINDOW_DAYS, people=PROXY_CERTIFIED_MANY_PEOPLE)
VISITS_BEYOND_A_DAY = _signal("visits_beyond_a_day", labels.VISITS_BEYOND_A_DAY, visits=VISITS_POSSIBLE_PER_DAY,
                              hours=WORKING_MINUTES_PER_DAY // 60, minutes=MIN_MINUTES_PER_VISIT)
NEAR_THRESHOLD_AFTER_MISMATCH = _signal("near_threshold_after_mismatch", labels.NEAR_THRESHOLD_AFTER_MISMATCH,
                                        days=WINDOW_DAYS, band=NEAR_MATCH_BAND)
SESSIONS_UNFINISHED = _signal("sessions_unfinished", labels.SESSIONS_UNFINISHED,
                              days=WINDOW_DAYS, sessions=SESSIONS_LEFT_UNFINISHED)

SIGNALS = (CONTACTS_TO_MANY, REFERENCE_PHOTO_REPLACED, CERTIFIED_AT_ODD_HOURS, PROXY_CERTIFIED_MANY,
           VISITS_BEYOND_A_DAY, NEAR_THRESHOLD_AFTER_MISMATCH, SESSIONS_UNFINISHED)


def at_odd_hours(hour: int) -> bool:
    """Whether a Beijing hour (0-23) falls in the night window."""
    return hour >= ODD_HOURS_FROM or hour < ODD_HOURS_UNTIL


def _reaching_many_people(rows_by_account: dict[str, list[dict]], person_field: str,
                          people: int) -> dict[str, list[dict]]:
    """The accounts whose rows name at least ``people`` distinct people, each with its rows."""
    return {account: rows for account, rows in rows_by_account.items()
            if len({row[person_field] for row in rows}) >= people}


def contacts_to_many(events_by_account: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The accounts whose successful contact additions reach the threshold in distinct people,
    each with those events."""
    return _reaching_many_people(events_by_account, "target", CONTACTS_ADDED_TO_MANY_PEOPLE)


def proxy_certified_many(certifications_by_account: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The accounts whose proxy certifications reach the threshold in distinct people, each with them."""
    return _reaching_many_people(certifications_by_account, "subject_key", PROXY_CERTIFIED_MANY_PEOPLE)


def visits_beyond_a_day(outcomes_by_staff_day: dict[tuple[str, str], list[dict]]) -> dict[tuple[str, str], list[dict]]:
    """The (staff member, Beijing day) pairs with more visit outcomes than one person can visit."""
    return {key: rows for key, rows in outcomes_by_staff_day.items() if len(rows) > VISITS_POSSIBLE_PER_DAY}


def near_threshold(similarity: float | None, threshold: float) -> bool:
    """Whether a certifying similarity sits in the band just above the match threshold."""
    return similarity is not None and threshold <= similarity < threshold + NEAR_MATCH_BAND


def sessions_unfinished(opened: int, completed: int) -> bool:
    """Whether an account's sessions of the window left unfinished reach the threshold."""
    return opened - completed >= SESSIONS_LEFT_UNFINISHED
