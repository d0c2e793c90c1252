"""Local stage only (registered by app.py when the stage is ``local``): the SMS outbox."""
from __future__ import annotations

from collections.abc import Mapping

from chalice import Blueprint

from pensioncert import normalize
from pensioncert.dal import verification
from pensioncert.http_edge import endpoint, json_response
from pensioncert.services import services

blueprint = Blueprint(__name__)


@blueprint.route("/dev/sms-outbox", methods=["GET"])
@endpoint
def sms_outbox():
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    number = normalize.phone(query.get("phone", ""))
    svc = services()
    messages = verification.read_outbox(svc.vault.lookup("phone", number))
    return json_response(
        {
            "messages": [
                {"phone": number, "text": item.text, "sent_at": item.sent_at.split("#")[0]}
                for item in messages
            ]
        }
    )
