"""认证信息查询: a subject's history of certifications and this year's status.

A contact's answers need the relative's consent on record (``subjects.require_consent``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert.clock import iso_beijing
from pensioncert.dal import certifications, registry
from pensioncert.logic import data_match, eligibility, reviews
from pensioncert.logic.subjects import require_consent, resolve
from pensioncert.rules.certification import PaymentPolicy, certification_year

if TYPE_CHECKING:
    from pensioncert.services import Services


def history(svc: Services, account, subject_param: str) -> dict:
    subject = require_consent(resolve(svc.contacts, account, subject_param))
    return {
        "items": [
            {"year": int(item.year), "method": item.method, "certified_at": item.certified_at,
             "operator": item.operator, **_evidence(item, subject)}
            for item in certifications.history(subject.id_key)
        ]
    }


def _evidence(certification, subject) -> dict:
    """Contract v1.1: a data_match certification carries the events that counted (a relative
    sees a hospital as 医疗机构: logic.data_match.evidence_of)."""
    if certification is None or certification.method != "data_match":
        return {}
    return {"evidence": data_match.evidence_of(certification, to_relative=not subject.is_self)}


def status(svc: Services, account, subject_param: str) -> dict:
    subject = require_consent(resolve(svc.contacts, account, subject_param))
    now = svc.clock.now()
    year = certification_year(now)
    this_year = certifications.for_year(subject.id_key, year)
    last_year = certifications.for_year(subject.id_key, year - 1)
    person = registry.get_person(subject.id_key)
    # First import, write-once: a changed re-import rewrites ``imported_at`` (records from before
    # ``first_imported_at`` existed fall back to it).
    registered_this_year = person is not None and certification_year(
        person.first_imported_at or person.imported_at) == year
    policy = PaymentPolicy(svc.settings.payment_warning_days)
    return {
        "year": year,
        "certified": this_year is not None,
        "certified_at": this_year.certified_at if this_year else None,
        "due_by": iso_beijing(policy.due_by(year)),
        "payment_status": policy.payment_status(now, this_year is not None, last_year is not None,
                                                registered_this_year),
        **_review(svc, subject.id_key, year),
        **_evidence(this_year, subject),
        "failed_tries": failed_tries(subject.id_key, year),
        "attempts_left": eligibility.attempts_left_for(svc, account, subject),
    }


def failed_tries(subject_key: str, year: int) -> list[dict]:
    """Contract v1.2: the year's counted failures, whoever tried (本人 or a contact's masked name),
    so the retiree and their consented relatives see what used the tries."""
    return [{"at": iso_beijing(t.at), "reason": t.reason, "by": t.by}
            for t in certifications.failed_tries(subject_key, year)]


def _review(svc: Services, subject_key: str, year: int) -> dict:
    """Contract v1.1: ``review`` once the subject has a review this year."""
    review = reviews.status_field(svc, subject_key, year)
    return {"review": review} if review else {}
