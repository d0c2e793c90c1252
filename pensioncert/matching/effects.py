"""What one decision of the matching job does to DynamoDB, without pyarrow or numpy: the local
write-back (write_back.py, a process pool over Parquet chunks) and the deployed one (handler.py,
a Lambda per JSON chunk on the API function's code, which carries neither) both apply it.

A certification is stored under the once-per-year key by one conditional put
(``dal.certifications.store_uncounted``): the conditional write decides, so a certification that
landed first (the retiree's own by the app, or this chunk's before a cut) wins and the decision
counts ``already_certified``. Its dashboard counters are moved once for the whole chunk
(``count_pending``), not in a ~14-item transaction per certification: that transaction was 93 % of
a decision's write units. Until then the certification is marked pending, so a chunk cut between
the two, redone or replanned in another run, counts it once; and a run that failed and was never
run again leaves marks the next run's snapshot shows, which that run counts (``count_pending``
decisions). Stops, flags and returns go through
``data_match.apply_event``, the same idempotent effects (status change with its audit event, list
entries) as the row-by-row import.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from pensioncert import labels

if TYPE_CHECKING:
    from pensioncert.services import Services

# The kinds of decision the job emits (formats.py names the files that carry them).
CERTIFY = "certify"
DECEASED = "deceased"
SUSPENDED = "suspended"
OVERSEAS_REVIEW = "overseas_review"
RETURNED = "returned"
COUNT_PENDING = "count_pending"  # a stored certification whose dashboard counters an earlier run never moved
DECISION_KINDS = (CERTIFY, DECEASED, SUSPENDED, OVERSEAS_REVIEW, RETURNED, COUNT_PENDING)

ACTOR = {"actor": "data_match_job", "actor_name": labels.DATA_MATCH}
# What each non-certifying decision replays through data_match.apply_event.
EVENT_OF = {DECEASED: "death_record", SUSPENDED: "imprisonment", OVERSEAS_REVIEW: "exit_abroad",
            RETURNED: "return_home"}


def evidence_by_subject(rows) -> dict[str, list[dict]]:
    """A chunk's evidence rows (``subject_key, event_date, source, event_type``) as each
    certification lists them: ``[{"date", "source", "event_type"}]`` per subject."""
    evidence: dict[str, list[dict]] = {}
    for row in rows:
        day = row["event_date"]
        evidence.setdefault(row["subject_key"], []).append(
            {"date": day if isinstance(day, str) else day.isoformat(), "source": row["source"],
             "event_type": row["event_type"]})
    return evidence


def apply_decisions(svc: Services, decisions, evidence: dict[str, list[dict]], year: int,
                    after_each=None) -> Counter:
    """Every decision of a chunk, counted by ``<decision>:<outcome>``, then the counters of the
    certifications it left pending. ``after_each(position, decision)``: the local write-back's
    stand-in for a killed process."""
    from pensioncert.dal import certifications

    outcomes: Counter = Counter()
    pending = []
    for position, decision in enumerate(decisions):
        subject_evidence = evidence.get(decision["subject_key"], [])
        if decision["decision"] == CERTIFY:
            outcome, uncounted = certify(svc, decision, subject_evidence, year)
            if uncounted is not None:
                pending.append(uncounted)
        elif decision["decision"] == COUNT_PENDING:
            stored = certifications.for_year(decision["subject_key"], year)
            outcome = "pending" if stored is not None and stored.counters_pending else "counted_before"
            if outcome == "pending":
                pending.append(stored)
        else:
            outcome = apply_decision(svc, decision, subject_evidence, year)
        outcomes[f"{decision['decision']}:{outcome}"] += 1
        if after_each is not None:
            after_each(position, decision)
    certifications.count_pending(pending)
    return outcomes


def certify(svc: Services, decision: dict, evidence: list[dict], year: int):
    """A certify decision: ``certified`` or ``already_certified``, and the stored certification when
    its counters are still to be moved (this one's, or a cut try's found stored)."""
    from pensioncert.clock import iso_beijing
    from pensioncert.dal import certifications
    from pensioncert.logic import data_match, suspensions

    found = certifications.store_uncounted(
        decision["subject_key"], year, method="data_match", certified_at=iso_beijing(svc.clock.now()),
        operator=data_match.OPERATOR, region=decision["region"], unit=decision["unit"],
        evidence=json.dumps(evidence, ensure_ascii=False), certification_id=certifications.new_certification_id())
    if found.pending is not None:  # stored by a try that may have stopped before it: lifted again, conditionally
        suspensions.lift_after_certification(found.pending.subject_key, found.pending.certified_at)
    return ("certified" if found.stored else "already_certified"), found.pending


def apply_decision(svc: Services, decision: dict, evidence: list[dict], year: int) -> str:
    """A decision's effect other than a certification (``certify``); the outcome as the row-by-row
    import names it (the report counts them by decision: ``deceased:deceased``, ``suspended:suspended``).
    ``event_date``: a date (Parquet) or its ISO text (a JSON chunk)."""
    from pensioncert.dal import registry
    from pensioncert.logic import data_match

    key = decision["subject_key"]
    if decision["decision"] in (CERTIFY, COUNT_PENDING):
        raise ValueError("a certify or count decision is applied by apply_decisions (counters go with the chunk's)")
    person = registry.get_person(key)
    if person is None:
        return "not_in_registry"
    day = decision["event_date"]
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return data_match.apply_event(svc, person, EVENT_OF[decision["decision"]], day, decision["source"], ACTOR)
