"""Thin handlers: parse the body, call the use case, answer. The rules live in pensioncert.logic."""
from __future__ import annotations

from chalice import Blueprint

from pensioncert.http_edge import RequestBody, current_account, endpoint, json_response, parse_body
from pensioncert.logic import accounts, captcha, sms_code
from pensioncert.services import services

blueprint = Blueprint(__name__)


class SmsCodeRequest(RequestBody):
    phone: str
    captcha_id: str
    captcha_answer: str
    purpose: str


class RegisterRequest(RequestBody):
    phone: str
    sms_code: str
    name: str
    id_number: str
    password: str
    password_confirm: str


class LoginRequest(RequestBody):
    phone: str
    password: str
    # Needed only while the account is under a wrong-password storm (400 CAPTCHA_INVALID with
    # "captcha_required": true says so); an app built against v1 never sends them.
    captcha_id: str = ""
    captcha_answer: str = ""


class CardLoginRequest(RequestBody):
    id_number: str
    card_password: str


class BindPhoneRequest(RequestBody):
    phone: str
    sms_code: str


class PasswordResetRequest(RequestBody):
    phone: str
    sms_code: str
    new_password: str
    new_password_confirm: str


@blueprint.route("/auth/captcha", methods=["POST"])
@endpoint
def new_captcha():
    return json_response(captcha.new_captcha(services(), client=source_address(blueprint.current_request) or "unknown"))


@blueprint.route("/auth/sms-code", methods=["POST"])
@endpoint
def send_sms_code():
    body = parse_body(blueprint.current_request, SmsCodeRequest)
    return json_response(sms_code.request_sms_code(services(), **body.model_dump()), 202)


@blueprint.route("/auth/register", methods=["POST"])
@endpoint
def register():
    body = parse_body(blueprint.current_request, RegisterRequest)
    return json_response(accounts.register(services(), **body.model_dump()), 201)


@blueprint.route("/auth/login", methods=["POST"])
@endpoint
def login():
    request = blueprint.current_request
    body = parse_body(request, LoginRequest)
    return json_response(accounts.login(services(), **body.model_dump(), client=source_address(request)))


@blueprint.route("/auth/login-policy", methods=["GET"])
@endpoint
def login_policy():
    return json_response(accounts.login_policy(services()))


@blueprint.route("/auth/card-login", methods=["POST"])
@endpoint
def card_login():
    request = blueprint.current_request
    body = parse_body(request, CardLoginRequest)
    return json_response(accounts.card_login(services(), **body.model_dump(), client=source_address(request)))


def source_address(request) -> str | None:
    """The caller's address as API Gateway saw the connection (not a header the caller writes)."""
    return ((request.context or {}).get("identity") or {}).get("sourceIp")


@blueprint.route("/auth/bind-phone", methods=["POST"])
@endpoint
def bind_phone():
    account, _ = current_account(blueprint.current_request, real_name_required=False)
    body = parse_body(blueprint.current_request, BindPhoneRequest)
    return json_response(accounts.bind_phone(services(), account, **body.model_dump()))


@blueprint.route("/auth/password-reset", methods=["POST"])
@endpoint
def reset_password():
    body = parse_body(blueprint.current_request, PasswordResetRequest)
    return json_response(accounts.reset_password(services(), **body.model_dump()))
