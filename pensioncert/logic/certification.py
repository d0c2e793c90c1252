"""Self-service certification by face liveness, for oneself or (by proxy) for a contact."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert.alongside import alongside
from pensioncert.clock import iso_beijing
from pensioncert.dal import certifications
from pensioncert.dal.tables import CertificationTable
from pensioncert.errors import LAST_TRY_HOME_VISIT_HINT, AppError, ErrorCode
from pensioncert.labels import BY_PROXY_NAMED, BY_SELF
from pensioncert.logic import contacts, eligibility, frame_ties, liveness, previous_template, suspensions
from pensioncert.logic import references as trusted_references
from pensioncert.logic.subjects import SELF, Subject, resolve
from pensioncert.observability import logger, record_metric
from pensioncert.rules import attempts
from pensioncert.rules.certification import ALREADY_CERTIFIED, ELIGIBILITY_MESSAGES, METHODS, certification_year
from pensioncert.vision_client import VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services

HOME_VISIT_HINT = LAST_TRY_HOME_VISIT_HINT


def start(svc: Services, account, subject_param: str) -> dict:
    subject = resolve(svc.contacts, account, subject_param)
    # v1.2: a contact tries only with the relative's consent (unless the relative has no phone of
    # their own), and on a budget of their own: never the relative's. Asked before eligibility,
    # so a refused contact is not told why the relative could not certify either (finding 8).
    contacts.require_consent_to_certify(svc, subject)
    checked = eligibility.check_subject(svc, subject)
    if checked.reason:
        raise _not_eligible_for(subject, checked.reason)
    if not references_for(svc, checked.subject, checked.person, ask_authority=True):
        raise AppError(ErrorCode.NO_REFERENCE_PHOTO)
    return liveness.open_session(svc, purpose="certify", user_id=account.user_id,
                                 subject=checked.subject.param, subject_key=checked.subject.id_key,
                                 budget=_budget(account, checked.subject),
                                 region=checked.person.region if checked.person else None)


def _operator(account, subject: Subject) -> str | None:
    """Whose tries a session for ``subject`` uses: None for the subject's own, else the contact's account."""
    return None if subject.is_self else account.user_id


def _budget(account, subject: Subject) -> str:
    return certifications.budget_key(subject.id_key, _operator(account, subject))


def complete(svc: Services, account, session_id: str, steps: list[dict]) -> dict:
    """Decide a session once; a retry of the same session gets the stored answer."""
    return liveness.complete_once(
        svc, session_id=session_id, user_id=account.user_id, purpose="certify", steps=steps,
        decide=lambda session: _decide(svc, account, session, steps),
    )


def _decide(svc: Services, account, session, steps: list[dict]) -> dict:
    now = svc.clock.now()
    year = certification_year(now)
    subject = _subject_of(svc, session, account)
    checked = eligibility.check_subject(svc, subject)
    person = checked.person
    if checked.reason or person is None:  # no registry record is reason NOT_FOUND
        raise _not_eligible_for(subject, checked.reason or "NOT_FOUND")
    references = references_for(svc, subject, person)
    if not references:
        raise AppError(ErrorCode.NO_REFERENCE_PHOTO)
    budget = _budget(account, subject)
    with alongside() as start:
        # Reads that wait on the network while the evidence is stored and the vision call runs: the
        # face that passed last time, verified against this same reference (issue 18), and the
        # frames the subject's sessions submitted (their claim below is conditional on that record).
        found_previous = start(previous_template.find, svc, subject.id_key, year, references)
        recorded_frames = start(frame_ties.recorded, subject.id_key, year)
        # Evidence first: a certification is never stored without its evidence record, and vision
        # reads the frames from it. Whose session it was, in the evidence too: an appeal
        # (logic/reviews) outlives the session item, which DynamoDB's TTL deletes soon after it expires.
        evidence_key = liveness.store_evidence(svc, session, steps, {"user_id": session.user_id,
                                                                     "subject_key": session.subject_key})
        # The attempt counts as failed before vision runs: at the limit (reached meanwhile by
        # concurrent sessions) nothing runs, and no pass can slip past it. It is the operator's: a
        # contact's own budget for this subject, never the subject's (v1.2).
        if not certifications.reserve_attempt(budget, year, svc.settings.yearly_failed_attempts_limit):
            raise liveness.attempts_exhausted()
        try:
            previous = found_previous.result()
            try:
                decision = trusted_references.decide(
                    svc, references, steps,
                    lambda templates: svc.vision.decide_session_evidence(
                        svc.settings.evidence_bucket, evidence_key, templates,
                        [previous.template] if previous else None))
            except VisionRefusal as refusal:
                if frame_ties.ties(refusal):  # a repeat is the answer then
                    frame_ties.claim(svc, subject.id_key, year, evidence_key, refusal.prints, recorded_frames.result())
                elif refusal.code == "LIVENESS_FAILED":
                    frame_ties.refuse_one_moment_twice(svc, evidence_key, refusal.prints)
                raise
            # The frames are claimed before a pass is stored: a replay is refused, and counts as a try.
            claimed = frame_ties.claim(svc, subject.id_key, year, evidence_key, decision.get("prints"),
                                       recorded_frames.result())
        except VisionRefusal as refusal:
            record_metric("CertificationFailed", reason=refusal.code)
            logger.info("certification refused", extra={"code": refusal.code, "detail": refusal.detail})
            raise _settled_failure(svc, account, subject, year, refusal, now, person.region) from None
        except BaseException:
            certifications.release_attempt(budget, year)
            raise
    try:
        certification = CertificationTable(
            subject.id_key,
            year,
            method="app" if subject.is_self else "proxy_app",
            certified_at=iso_beijing(now),
            operator_user_id=account.user_id,
            operator=BY_SELF if subject.is_self else BY_PROXY_NAMED.format(name=account.name),
            region=person.region,
            unit=person.unit,
            similarity=round(decision["similarity"], 4),
            evidence_key=evidence_key,
            reference=decision.get("reference"),
            authority_transaction_id=decision.get("authority_transaction_id"),
            certification_id=certifications.new_certification_id(),
            matched_by=decision.get("matched_by"),
            reference_similarity=_rounded(decision.get("reference_similarity", decision.get("similarity"))),
            template_year=previous.year if decision.get("matched_by") == "previous_template" and previous else None,
            # This pass's own face, kept sealed for next year's comparison.
            **previous_template.to_keep(svc, references, decision),
        )
        # A pass is not a failed attempt: the reserved one is given back with the certification.
        stored = certifications.store_once(certification, give_back_attempt=True, budget=budget)
    except BaseException:
        certifications.release_attempt(budget, year)
        frame_ties.release(subject.id_key, year, claimed)  # nothing was stored: the frames are not used
        raise
    if not stored:
        raise _not_eligible_for(subject, ALREADY_CERTIFIED)
    suspensions.lift_after_certification(certification.subject_key, certification.certified_at)
    if subject.contact is not None:  # a relative's (a contact's), not one's own
        # The live face matched the relative's own trusted reference: their consent is on record.
        contacts.consent_by_certification(svc, subject.contact)
    record_metric("CertificationPassed", method=certification.method)
    return {"result": "passed", "certification_id": certification.certification_id,
            "certified_at": certification.certified_at, "similarity": certification.similarity}


def references_for(svc: Services, subject: Subject, person, *, ask_authority: bool = False):
    """The subject's trusted reference (logic/references.py): a staff photo, the registry photo, or
    the identity authority's; never the caller's ID card portrait or any image the caller sent."""
    return trusted_references.trusted(svc, person, subject.name, ask_authority=ask_authority)


def attempts_left(svc: Services, failed: int) -> int:
    return max(svc.settings.yearly_failed_attempts_limit - failed, 0)


def _subject_of(svc: Services, session, account) -> Subject:
    if session.subject == SELF:
        return Subject(SELF, account.id_key, account.name)
    return resolve(svc.contacts, account, session.subject)


def _settled_failure(svc: Services, account, subject: Subject, year: int, refusal: VisionRefusal, now,
                     region: str) -> AppError:
    """Settle the attempt reserved before vision ran on the operator's budget: a refusal before the
    person was judged (rules/attempts.py) is given back and leaves ``attempts_left`` as it was; a
    liveness or match decision counts, and is logged for the subject's side to see."""
    budget = _budget(account, subject)
    if refusal.code == "IMAGE_INVALID":
        certifications.release_attempt(budget, year)
        return liveness.refusal_error(refusal)
    if not attempts.counts(refusal.code):
        certifications.release_attempt(budget, year)
        return liveness.refusal_error(refusal, attempts_left=attempts_left(svc, certifications.failures(budget, year)))
    operator = _operator(account, subject)
    failed = certifications.record_failure(subject.id_key, year, refusal.code, now, region=region,
                                           reserved=True, operator=operator,
                                           by=BY_SELF if operator is None else contacts.mask_name(account.name))
    left = attempts_left(svc, failed)
    error = liveness.refusal_error(refusal, attempts_left=left)
    if left == 0:
        error.message = f"{error.message}。{HOME_VISIT_HINT}"
        error.extra["home_visit_suggested"] = True
    return error


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _not_eligible(reason: str) -> AppError:
    """409 NOT_ELIGIBLE to staff (record_certification): the reason as it is."""
    return AppError(ErrorCode.NOT_ELIGIBLE, ELIGIBILITY_MESSAGES[reason], reason=reason)


def _not_eligible_for(subject: Subject, reason: str) -> AppError:
    """409 NOT_ELIGIBLE to the app: a contact without consent hears no reason (eligibility.told)."""
    told_reason, message = eligibility.told(subject, reason)
    return AppError(ErrorCode.NOT_ELIGIBLE, message, reason=told_reason)


def record_certification(svc: Services, subject_key: str, year: int, method: str, operator: str,
                         region: str, unit: str, operator_user_id: str | None = None, *,
                         similarity: float | None = None, evidence_key: str | None = None,
                         reference: str | None = None,
                         evidence: str | None = None) -> CertificationTable:
    """Store the year's certification by a non-app method (home_visit, overseas, agency) under the
    same once-per-year rule as the app; raises NOT_ELIGIBLE / ALREADY_CERTIFIED if one exists.
    ``similarity``, ``evidence_key``, ``reference``: the photo taken at the visit (or the
    reviewed session's frames) and what it was compared with (admin.manual_evidence).
    ``evidence``: data_match's events that counted (JSON, logic/data_match.py)."""
    certification = record_unless_certified(
        svc, subject_key, year, method, operator, region, unit, operator_user_id, similarity=similarity,
        evidence_key=evidence_key, reference=reference, evidence=evidence)
    if certification is None:
        raise _not_eligible(ALREADY_CERTIFIED)
    return certification


def record_unless_certified(svc: Services, subject_key: str, year: int, method: str, operator: str,
                            region: str, unit: str, operator_user_id: str | None = None, *,
                            similarity: float | None = None, evidence_key: str | None = None,
                            reference: str | None = None, evidence: str | None = None) -> CertificationTable | None:
    """``record_certification`` for the doors whose answer to a year already certified is an
    outcome, not an error (a confirmed visit, a passed review, data matching): None when the year's
    certification was already stored, as the once-a-year conditional write (store_once) decided."""
    if method not in METHODS or method in ("app", "proxy_app"):
        raise ValueError(f"not a staff certification method: {method}")
    certification = CertificationTable(
        subject_key,
        year,
        method=method,
        certified_at=iso_beijing(svc.clock.now()),
        operator_user_id=operator_user_id,
        operator=operator,
        region=region,
        unit=unit,
        similarity=round(similarity, 4) if similarity is not None else None,
        evidence_key=evidence_key,
        reference=reference,
        evidence=evidence,
        certification_id=certifications.new_certification_id(),
    )
    if not certifications.store_once(certification):
        return None
    suspensions.lift_after_certification(certification.subject_key, certification.certified_at)
    return certification
