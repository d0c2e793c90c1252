"""openapi/openapi.yaml: a valid OpenAPI 3.1 file that documents every route of the Chalice app, every
error code of pensioncert.errors, and bodies in the shapes the code really produces."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from pensioncert.errors import AppError, ErrorCode

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "openapi" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
ERROR_REF = "#/components/schemas/Error"

# Operations anyone may call; every other one needs the bearer token.
PUBLIC = {
    ("/auth/captcha", "post"),
    ("/auth/sms-code", "post"),
    ("/auth/register", "post"),
    ("/auth/login", "post"),
    ("/auth/login-policy", "get"),
    ("/auth/card-login", "post"),
    ("/auth/password-reset", "post"),
    ("/dev/sms-outbox", "get"),
}

# Codes the contract names that pensioncert.errors does not define yet (their endpoints are not
# implemented): their HTTP status per the contract. Once ErrorCode defines one, ErrorCode wins.
CONTRACT_ONLY_STATUS = {
    "CONTACT_EXISTS": 409,
    "NOT_ELIGIBLE": 409,
    "SESSION_EXPIRED": 410,
    "NO_FACE": 422,
    "MULTIPLE_FACES": 422,
    "POOR_QUALITY": 422,
    "LIVENESS_FAILED": 422,
    "FACE_MISMATCH": 422,
    "ID_CARD_UNREADABLE": 422,
}


@pytest.fixture(scope="module")
def spec() -> dict:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def chalice_routes() -> dict[str, set[str]]:
    """path template -> methods, from the app as the local stage builds it (dev routes included)."""
    from pensioncert.settings import reset_settings

    patch = pytest.MonkeyPatch()
    patch.setenv("PC_STAGE", "local")
    functions = str(REPO / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)
    reset_settings()
    try:
        import app as api_module
    finally:
        patch.undo()
        reset_settings()
    return {path: {method.lower() for method in entries} for path, entries in api_module.app.routes.items()}


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(spec: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        assert pointer.startswith("#/"), f"only local references are used: {pointer}"
        node = spec
        for part in pointer[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def error_enum(spec: dict) -> list[str]:
    return spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]


def error_responses(spec: dict):
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                yield path, method, int(status), resolve(spec, response)


def refers_to_error(schema: dict) -> bool:
    return schema.get("$ref") == ERROR_REF or any(
        part.get("$ref") == ERROR_REF for part in schema.get("allOf", [])
    )


def documented_codes(spec: dict, response: dict) -> list[str]:
    """The codes a response allows: its own narrowing enum, else every code of the Error schema."""
    schema = response["content"]["application/json"]["schema"]
    for part in schema.get("allOf", []):
        code = part.get("properties", {}).get("error", {}).get("properties", {}).get("code", {})
        if "enum" in code:
            return code["enum"]
    return error_enum(spec)


def validator(spec: dict, schema_name: str) -> OAS31Validator:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return OAS31Validator(root, format_checker=OAS31Validator.FORMAT_CHECKER)


def test_file_is_a_valid_openapi_31_description(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_chalice_route_is_documented_with_its_method(spec, chalice_routes):
    assert "/dev/sms-outbox" in chalice_routes, "the local stage registers the dev routes"
    missing = [
        f"{method.upper()} {path}"
        for path, methods in chalice_routes.items()
        for method in methods
        if method not in spec["paths"].get(path, {})
    ]
    assert not missing, f"routes of the app missing from openapi.yaml: {missing}"


def test_every_error_code_is_in_the_error_schema(spec):
    codes = {AppError(code).contract_code for code in ErrorCode}
    enum = error_enum(spec)
    assert not codes - set(enum), f"codes missing from the Error schema: {sorted(codes - set(enum))}"
    assert "CARD_LOGIN_FAILED" not in enum, "card login reports LOGIN_FAILED; CARD_LOGIN_FAILED never leaves"
    assert len(enum) == len(set(enum))


def test_every_error_response_references_the_error_schema(spec):
    wrong = [
        f"{method.upper()} {path} {status}"
        for path, method, status, response in error_responses(spec)
        if not refers_to_error(response.get("content", {}).get("application/json", {}).get("schema", {}))
    ]
    assert not wrong, f"error responses not built on the Error schema: {wrong}"


def test_documented_codes_exist_and_match_their_status(spec):
    known = set(error_enum(spec))
    problems = []
    for path, method, status, response in error_responses(spec):
        for code in documented_codes(spec, response):
            if code not in known:
                problems.append(f"{method.upper()} {path} {status}: {code} is not in the Error schema")
                continue
            expected = ErrorCode[code].status if code in ErrorCode.__members__ else CONTRACT_ONLY_STATUS.get(code)
            if expected != status:
                problems.append(f"{method.upper()} {path}: {code} documented as {status}, is {expected}")
    assert not problems, problems


def test_every_operation_has_an_operation_id_and_a_success_response(spec):
    ids = []
    for path, method, operation in operations(spec):
        assert operation.get("operationId"), f"{method.upper()} {path} has no operationId"
        ids.append(operation["operationId"])
        assert any(200 <= int(status) < 300 for status in operation["responses"]), (
            f"{method.upper()} {path} has no 2xx response"
        )
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_bearer_token_guards_every_operation_but_the_public_ones(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert "security" not in spec, "security is declared per operation"
    for path, method, operation in operations(spec):
        name = f"{method.upper()} {path}"
        if (path, method) in PUBLIC:
            assert not operation.get("security"), f"{name} must not need a token"
            continue
        assert operation.get("security") == [{"bearerAuth": []}], f"{name} needs the bearer token"
        unauthenticated = resolve(spec, operation["responses"].get("401", {}))
        assert "UNAUTHENTICATED" in documented_codes(spec, unauthenticated), f"{name} lacks 401 UNAUTHENTICATED"
        if not path.startswith("/auth/"):
            forbidden = resolve(spec, operation["responses"].get("403", {}))
            assert forbidden and "REAL_NAME_REQUIRED" in documented_codes(spec, forbidden), (
                f"{name} lacks 403 REAL_NAME_REQUIRED"
            )


def test_generic_errors_are_documented_everywhere(spec):
    for path, method, operation in operations(spec):
        name = f"{method.upper()} {path}"
        responses = operation["responses"]
        expected = {"400": "BAD_REQUEST", "500": "INTERNAL_ERROR", "503": "SERVICE_UNAVAILABLE"}
        if "requestBody" in operation:
            expected["413"] = "PAYLOAD_TOO_LARGE"
        for status, code in expected.items():
            assert status in responses, f"{name} lacks {status}"
            assert code in documented_codes(spec, resolve(spec, responses[status])), f"{name} {status} lacks {code}"


def test_every_reference_resolves(spec):
    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                try:
                    resolve(spec, {"$ref": node["$ref"]})
                except KeyError:
                    unresolved.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    unresolved: list[str] = []
    walk(spec)
    assert not unresolved, f"dangling references: {unresolved}"


def test_path_parameters_use_the_route_names(spec):
    for path, method, operation in operations(spec):
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
        in_template = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        assert declared == in_template, f"{method.upper()} {path}: {declared} != {in_template}"
    assert "/contacts/{contact_id}" in spec["paths"]
    assert "/auth/real-name/sessions/{session_id}/complete" in spec["paths"]
    assert "/certify/sessions/{session_id}/complete" in spec["paths"]


def test_request_schemas_match_the_pydantic_request_models(spec, chalice_routes):
    from pensioncert.http_edge import RequestBody

    functions = (REPO / "functions").resolve()
    models = [
        model for model in _subclasses(RequestBody)
        if Path(sys.modules[model.__module__].__file__).resolve().is_relative_to(functions)
    ]
    assert {model.__name__ for model in models} >= {"LoginRequest", "RegisterRequest"}
    schemas = spec["components"]["schemas"]
    for model in models:
        schema = schemas.get(model.__name__)
        assert schema is not None, f"no schema named {model.__name__} in openapi.yaml"
        fields = model.model_fields
        assert set(schema["properties"]) == set(fields), model.__name__
        assert set(schema.get("required", [])) == {n for n, f in fields.items() if f.is_required()}, model.__name__
        default_limit = model.model_config.get("str_max_length")
        for name, field in fields.items():
            if field.annotation is str:
                prop = schema["properties"][name]
                assert prop.get("type") == "string", f"{model.__name__}.{name}"
                # A field's own max_length (Field(max_length=...), StringConstraints) overrides the config's.
                limit = _own_max_length(field)
                limit = default_limit if limit is None else limit
                assert prop.get("maxLength") == limit, f"{model.__name__}.{name} maxLength"


def _own_max_length(field):
    limits = [getattr(item, "max_length", None) for item in field.metadata]
    limits = [limit for limit in limits if limit is not None]
    return limits[-1] if limits else None


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda code: code.name)
def test_error_bodies_of_the_code_fit_the_error_schema(spec, code):
    extras = {
        ErrorCode.BAD_REQUEST: {"field": "phone"},
        ErrorCode.LOGIN_FAILED: {"attempts_left": 2},
        ErrorCode.CARD_LOGIN_FAILED: {"attempts_left": 0},
        ErrorCode.ACCOUNT_LOCKED: {"unlock_at": "2026-03-02T17:00:00+08:00"},
        ErrorCode.SMS_RATE_LIMITED: {"resend_in": 60},
        ErrorCode.SERVICE_UNAVAILABLE: {"retryable": True},
        ErrorCode.SMS_SEND_FAILED: {"retryable": True},
    }
    validator(spec, "Error").validate(AppError(code, **extras.get(code, {})).body())


def test_error_schema_rejects_a_malformed_error(spec):
    check = validator(spec, "Error")
    assert not check.is_valid({"error": {"code": "NO_SUCH_CODE", "message": "x"}})
    assert not check.is_valid({"error": {"code": "BAD_REQUEST"}})
    assert not check.is_valid({"code": "BAD_REQUEST", "message": "x"})


def test_login_responses_fit_their_schemas(spec):
    from pensioncert.logic import accounts

    svc = SimpleNamespace(
        settings=SimpleNamespace(token_ttl_seconds=7200),
        token_secret="test-secret-" + "x" * 32,
        clock=SimpleNamespace(now=lambda: datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)),
    )
    account = SimpleNamespace(user_id="u_0123456789abcdef01234567", name="李秀英", real_name_verified=False)
    login = accounts.session_response(svc, account, "phone")
    validator(spec, "LoginResponse").validate(login)
    card = {**accounts.session_response(svc, account, "card"), "phone_bound": False}
    validator(spec, "CardLoginResponse").validate(card)
    assert not validator(spec, "CardLoginResponse").is_valid(login), "card login adds phone_bound"

