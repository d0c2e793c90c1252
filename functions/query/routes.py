"""Thin handlers for 认证信息查询."""
from __future__ import annotations

from chalice import Blueprint

from pensioncert.http_edge import current_account, endpoint, json_response, query_param
from pensioncert.logic import queries
from pensioncert.services import services

blueprint = Blueprint(__name__)


@blueprint.route("/query/certifications", methods=["GET"])
@endpoint
def certification_history():
    account, _ = current_account(blueprint.current_request)
    subject = query_param(blueprint.current_request, "subject")
    return json_response(queries.history(services(), account, subject))


@blueprint.route("/query/status", methods=["GET"])
@endpoint
def certification_status():
    account, _ = current_account(blueprint.current_request)
    subject = query_param(blueprint.current_request, "subject")
    return json_response(queries.status(services(), account, subject))
