"""Real-name binding routes (实名注册): open to logged-in accounts that are not yet verified."""
from __future__ import annotations

import base64
import binascii

from chalice import Blueprint

from pensioncert.errors import ID_CARD_IMAGE_NOT_BASE64, AppError, ErrorCode
from pensioncert.http_edge import (
    Base64Image,
    RequestBody,
    Steps,
    current_account,
    endpoint,
    json_response,
    parse_body,
)
from pensioncert.logic import real_name
from pensioncert.services import services

blueprint = Blueprint(__name__)


class RealNameSessionRequest(RequestBody):
    name: str
    id_number: str


class CompleteRealNameRequest(RequestBody):
    id_card_image: Base64Image
    steps: Steps


@blueprint.route("/auth/real-name/sessions", methods=["POST"])
@endpoint
def start_real_name():
    account, _ = current_account(blueprint.current_request, real_name_required=False)
    body = parse_body(blueprint.current_request, RealNameSessionRequest)
    return json_response(real_name.start(services(), account, **body.model_dump()), 201)


@blueprint.route("/auth/real-name/sessions/{session_id}/complete", methods=["POST"])
@endpoint
def complete_real_name(session_id):
    account, _ = current_account(blueprint.current_request, real_name_required=False)
    body = parse_body(blueprint.current_request, CompleteRealNameRequest)
    try:
        id_card_image = base64.b64decode(body.id_card_image, validate=True)
    except (binascii.Error, ValueError):
        raise AppError(ErrorCode.BAD_REQUEST, ID_CARD_IMAGE_NOT_BASE64, field="id_card_image") from None
    steps = [step.model_dump() for step in body.steps]
    return json_response(real_name.complete(services(), account, session_id, id_card_image, steps))
