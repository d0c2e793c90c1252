"""Thin handlers for contacts (and the relatives' side, /me/proxies), eligibility, liveness
certification and home-visit requests."""
from __future__ import annotations

from typing import Annotated

from chalice import Blueprint
from pydantic import Field

from pensioncert.http_edge import (
    RequestBody,
    Steps,
    current_account,
    endpoint,
    json_response,
    parse_body,
    query_param,
)
from pensioncert.logic import certification, contacts, eligibility, home_visits, reviews
from pensioncert.services import services

blueprint = Blueprint(__name__)


class ContactRequest(RequestBody):
    name: str
    id_number: str
    relation: str


class CertifySessionRequest(RequestBody):
    subject: str


class CompleteCertifyRequest(RequestBody):
    steps: Steps


class HomeVisitRequest(RequestBody):
    subject: str
    reason: Annotated[str, Field(max_length=200)]
    address: Annotated[str, Field(max_length=200)]
    contact_phone: str


class ReviewRequest(RequestBody):
    subject: str
    session_id: Annotated[str, Field(max_length=64)]


@blueprint.route("/contacts", methods=["GET"])
@endpoint
def list_contacts():
    account, _ = current_account(blueprint.current_request)
    return json_response(contacts.list_contacts(services(), account))


@blueprint.route("/contacts", methods=["POST"])
@endpoint
def add_contact():
    account, _ = current_account(blueprint.current_request)
    body = parse_body(blueprint.current_request, ContactRequest)
    return json_response(contacts.add_contact(services(), account, **body.model_dump()), 201)


@blueprint.route("/contacts/{contact_id}", methods=["DELETE"])
@endpoint
def delete_contact(contact_id):
    account, _ = current_account(blueprint.current_request)
    contacts.delete_contact(services(), account, contact_id)
    return json_response(None, 204)


@blueprint.route("/certify/eligibility", methods=["GET"])
@endpoint
def check_eligibility():
    account, _ = current_account(blueprint.current_request)
    subject = query_param(blueprint.current_request, "subject")
    return json_response(eligibility.check(services(), account, subject).as_response())


@blueprint.route("/certify/sessions", methods=["POST"])
@endpoint
def start_session():
    account, _ = current_account(blueprint.current_request)
    body = parse_body(blueprint.current_request, CertifySessionRequest)
    return json_response(certification.start(services(), account, body.subject), 201)


@blueprint.route("/certify/sessions/{session_id}/complete", methods=["POST"])
@endpoint
def complete_session(session_id):
    account, _ = current_account(blueprint.current_request)
    body = parse_body(blueprint.current_request, CompleteCertifyRequest)
    steps = [step.model_dump() for step in body.steps]
    return json_response(certification.complete(services(), account, session_id, steps))


@blueprint.route("/certify/home-visit-requests", methods=["POST"])
@endpoint
def request_home_visit():
    account, _ = current_account(blueprint.current_request)
    body = parse_body(blueprint.current_request, HomeVisitRequest)
    return json_response(home_visits.request_home_visit(services(), account, **body.model_dump()), 201)


@blueprint.route("/certify/reviews", methods=["POST"])
@endpoint
def request_review():
    account, _ = current_account(blueprint.current_request)
    body = parse_body(blueprint.current_request, ReviewRequest)
    return json_response(reviews.request(services(), account, **body.model_dump()), 201)


@blueprint.route("/me/proxies", methods=["GET"])
@endpoint
def list_my_proxies():
    """Who has the caller as a contact (the relative's side of contacts)."""
    account, _ = current_account(blueprint.current_request)
    return json_response(contacts.my_proxies(services(), account))


@blueprint.route("/me/proxies/{proxy_id}/consent", methods=["POST"])
@endpoint
def consent_to_proxy(proxy_id):
    account, _ = current_account(blueprint.current_request)
    return json_response(contacts.consent(services(), account, proxy_id))
