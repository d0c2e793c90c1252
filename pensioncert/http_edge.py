"""The API's edge: parsing bodies into typed requests, authenticating, and shaping every error.

Handlers stay thin: ``@endpoint`` turns whatever a use case raises into the contract's error shape
(never a traceback), ``parse_body`` validates the JSON against a pydantic model and names the field
at fault, ``current_account`` checks the bearer token and the real-name rule.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from chalice import Chalice, Response
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError
from pynamodb.exceptions import PynamoDBException

from pensioncert import errors, tokens
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.accounts import is_real_name_verified, signed_in_account
from pensioncert.observability import logger as log
from pensioncert.services import services
from vision_contract import images
from vision_contract.steps import MAX_FRAMES, MIN_FRAMES, Challenge

Model = TypeVar("Model", bound=BaseModel)
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}


class ThreadSafeChalice(Chalice):
    """Chalice keeps the request on the app object; the threaded local server needs it per thread.

    On Lambda one container serves one request at a time, so this changes nothing there.
    """

    _per_thread = threading.local()

    @property
    def current_request(self):
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value) -> None:
        self._per_thread.request = value

    @property
    def lambda_context(self):
        return getattr(self._per_thread, "context", None)

    @lambda_context.setter
    def lambda_context(self, value) -> None:
        self._per_thread.context = value


class RequestBody(BaseModel):
    """Base of every request body: exact types (no silent coercion), unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", str_max_length=64)


MAX_IMAGE_CHARS = 4 * 1024 * 1024  # one base64 image (3 MiB of JPEG); the body limit caps the sum
_DATA_URL_PREFIX = re.compile(r"^data:image/[a-z+.-]+;base64,", re.IGNORECASE)


def strip_data_url(value: str) -> str:
    """Images may come as ``data:image/jpeg;base64,...``; the prefix and line breaks are dropped."""
    return _DATA_URL_PREFIX.sub("", value.strip()).replace("\n", "").replace("\r", "")


def checked_image(value: str) -> str:
    """A base64 JPEG/PNG whose header gives a size the contract accepts; nothing is decoded."""
    try:
        data = base64.b64decode(value, validate=True)
        images.check(data)
    except images.ImageRefused as refused:
        raise PydanticCustomError(refused.code.lower(), refused.detail) from None
    except (binascii.Error, ValueError):
        raise PydanticCustomError("image_invalid", "not_base64") from None
    return value


Base64Image = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_IMAGE_CHARS), AfterValidator(strip_data_url),
    AfterValidator(checked_image),
]


class LivenessStep(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    challenge: Challenge
    frames: Annotated[list[Base64Image], Field(min_length=MIN_FRAMES, max_length=MAX_FRAMES)]


Steps = Annotated[list[LivenessStep], Field(min_length=2, max_length=3)]


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False) if body is not None else "",
        status_code=status,
        headers=dict(JSON_HEADERS),
    )


def error_response(error: AppError) -> Response:
    return json_response(error.body(), error.status)


def endpoint(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a view so that every failure leaves as the contract's error shape."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except AppError as error:
            return error_response(error)
        except (PynamoDBException, BotoCoreError, ClientError):
            log.exception("AWS dependency failed")
            return error_response(AppError(ErrorCode.SERVICE_UNAVAILABLE, retryable=True))
        except Exception:  # noqa: BLE001 - a bug: logged, and still answered in the contract's shape
            log.exception("unexpected error")
            return error_response(AppError(ErrorCode.INTERNAL_ERROR))

    return wrapped


def parse_body(request, model: type[Model]) -> Model:
    raw = request.raw_body or b""
    if len(raw) > services().settings.max_body_bytes:
        raise AppError(ErrorCode.PAYLOAD_TOO_LARGE)
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):
        raise AppError(ErrorCode.BAD_REQUEST, errors.BODY_NOT_JSON) from None
    if not isinstance(data, dict):
        raise AppError(ErrorCode.BAD_REQUEST, errors.BODY_NOT_AN_OBJECT)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _field_error(error) from None


_IMAGE_ERRORS = {"image_invalid": ErrorCode.IMAGE_INVALID, "image_too_large": ErrorCode.IMAGE_TOO_LARGE}


def _field_error(error: ValidationError) -> AppError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    kind = first["type"]
    if kind in _IMAGE_ERRORS:
        return AppError(_IMAGE_ERRORS[kind], field=field)
    if kind == "missing":
        message = errors.FIELD_MISSING.format(field=field)
    elif kind in ("string_too_long", "too_long"):
        message = errors.FIELD_TOO_LONG.format(field=field)
    else:
        message = errors.FIELD_MALFORMED.format(field=field)
    return AppError(ErrorCode.BAD_REQUEST, message, field=field)


def query_param(request, name: str, max_length: int = 64) -> str:
    value = (request.query_params or {}).get(name, "")
    if not value or len(value) > max_length:
        raise AppError(ErrorCode.BAD_REQUEST, errors.QUERY_PARAMETER_MISSING.format(name=name), field=name)
    return value


def current_account(request, *, real_name_required: bool = True):
    header = (request.headers or {}).get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > 2048:
        raise AppError(ErrorCode.UNAUTHENTICATED)
    svc = services()
    session = tokens.verify(svc.token_secret, token.strip(), svc.clock.now())
    account = signed_in_account(svc, session)
    if real_name_required and not is_real_name_verified(account, session.login_method):
        raise AppError(ErrorCode.REAL_NAME_REQUIRED)
    return account, session


CHALICE_ERRORS = {
    400: ErrorCode.BAD_REQUEST,
    403: ErrorCode.ROUTE_NOT_FOUND,  # API Gateway says "Missing Authentication Token" for no route
    404: ErrorCode.ROUTE_NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.BAD_REQUEST,
}


def reshape_framework_error(response: Response) -> Response:
    """Chalice answers some requests itself (wrong content type, unknown method): give them our shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    code = CHALICE_ERRORS.get(response.status_code, ErrorCode.INTERNAL_ERROR)
    if response.status_code == 415:
        return error_response(AppError(code, errors.BODY_NOT_DECLARED_JSON))
    reshaped = error_response(AppError(code))
    allow = (response.headers or {}).get("Allow")
    if allow:  # a 405 must say which methods the resource has (RFC 9110 15.5.6)
        reshaped.headers["Allow"] = allow
    return reshaped
