"""The admin's Dash app and the Flask guard in front of every one of its endpoints.

Staff sign in on a plain Flask form (/login). A login opens a server-side session
(``staff-sessions`` table, pensioncert/admin/staff.py); Flask's signed cookie (secret from
settings, HttpOnly, SameSite=Strict, Secure when deployed, expiring) carries only its random id and
Flask-WTF's CSRF secret. ``_guard`` runs before every request and refuses all but the login form
and static assets without a live session, so callbacks (/_dash-update-component), the layout and
dependency endpoints and page routes are all protected; logout, a password change, a disable or an
administrator's revoke end sessions at once. Every POST must carry Flask-WTF's CSRF token (Dash's
renderer sends the ``_csrf_token`` cookie back as the X-CSRFToken header; the login form has it
as a field). The services check role and region again on each call.
"""
from __future__ import annotations

import functools
import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Flask, Response, g, redirect, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException

from admin_dash.components import login_form
from admin_dash.components.shell import navbar
from pensioncert.admin import labels
from pensioncert.errors import AppError, ErrorCode

if TYPE_CHECKING:
    from pensioncert.services import Services

HERE = Path(__file__).resolve().parent
PUBLIC_PREFIXES = ("/assets/",)
CSRF_COOKIE = "_csrf_token"
CALLBACK_PATH = "/_dash-update-component"
CALLBACK_REFUSED = labels.CALLBACK_REFUSED
log = logging.getLogger(__name__)


def create_app(svc_factory=None) -> dash.Dash:
    from pensioncert.services import services

    svc_factory = svc_factory or services
    svc = svc_factory()
    settings = svc.settings
    if settings.admin_secret is None:
        raise RuntimeError("PC_ADMIN_SECRET must be set (make run sets it; deployed: the secret store)")
    lifetime = timedelta(hours=settings.admin_session_hours)
    server = Flask(__name__)
    server.config.update(
        SECRET_KEY=settings.admin_secret.get_secret_value(),
        SESSION_COOKIE_NAME="pc_admin_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=not settings.is_local,
        PERMANENT_SESSION_LIFETIME=lifetime,
        # The cookie is written only when the session changes (login, logout, a new CSRF secret),
        # never re-sent with every answer: a late answer to an old page would otherwise put back
        # the cookie the login or logout has just replaced. The server-side session's own expiry
        # is what ends it.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
    )

    # Flask-WTF checks the token; the guard calls it after the session check, so a request
    # without a session is answered 401 before anything else.
    server.config.update(WTF_CSRF_CHECK_DEFAULT=False,
                         WTF_CSRF_TIME_LIMIT=int(lifetime.total_seconds()))
    csrf = CSRFProtect(server)

    @server.errorhandler(CSRFError)
    def _csrf_refused(_error):
        return _refuse(403, labels.ORIGIN_UNVERIFIED)

    @server.before_request
    def _guard():
        from pensioncert.admin import staff

        path = request.path
        if path.startswith(PUBLIC_PREFIXES):
            return None
        svc = svc_factory()
        if path == "/login":
            return _login(svc, csrf)
        principal = staff.session_principal(svc, session.get("sid"))
        if principal is None:
            # The session cookie is left as it is: a late answer to a page whose session ended
            # would otherwise overwrite the cookie the login page has just given (its CSRF
            # secret), and the next login would be refused. The stale id opens nothing; the
            # next login replaces it.
            if request.method == "GET" and not path.startswith("/_"):
                return redirect("/login")
            return _refuse(401, ErrorCode.UNAUTHENTICATED.message)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        g.staff = principal
        if path == "/logout":
            staff.logout(svc, principal, session.get("sid"))
            session.clear()
            response = redirect("/login")
            response.delete_cookie(CSRF_COOKIE)
            return response
        return None

    @server.after_request
    def _csrf_cookie(response):
        path = request.path
        page_load = request.method == "GET" and not path.startswith(("/_", *PUBLIC_PREFIXES))
        if g.get("staff") is not None and (page_load or CSRF_COOKIE not in request.cookies):
            response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Strict",
                                secure=not settings.is_local, max_age=int(lifetime.total_seconds()))
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
        if not settings.is_local:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    app = dash.Dash(
        # The package's name, so Dash imports the pages as admin_dash.pages.<page>: a page a test
        # imports directly is then the same module, not a second registration under pages.<page>.
        "admin_dash",
        server=server,  # type: ignore[arg-type]  # Dash's annotation; its docs take a Flask server here
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title=labels.ADMIN_TITLE,
        update_title=None,  # type: ignore[arg-type]  # Dash's annotation; its docs say None keeps the title
        suppress_callback_exceptions=True,
        enable_mcp=False,
        serve_locally=True,
    )
    app.layout = _layout
    _refuse_malformed_callbacks(app)
    return app


def _refuse_malformed_callbacks(app: dash.Dash) -> None:
    """A callback request is the client's JSON: one Dash cannot read (not an object, no known
    output, inputs that are not lists) or values a callback cannot take (wrong types: a dict for a
    click count, a number for an upload) answer 400 with a message, never 500 (issue 19, finding 12:
    11 of 18 such requests with a valid session and CSRF token answered 500). The exception is logged
    with its traceback, so a bug still shows in the log as one."""
    server = app.server
    dispatch = server.view_functions[CALLBACK_PATH]

    @functools.wraps(dispatch)
    def checked(*args, **kwargs):
        problem = _malformed(request.get_json(silent=True), app.callback_map)
        if problem:
            log.warning("admin callback refused: %s", problem)
            return _refuse(400, CALLBACK_REFUSED)
        try:
            return dispatch(*args, **kwargs)
        except HTTPException:
            raise
        except Exception:  # the values are the client's: refused, and logged in full
            log.exception("admin callback %s failed on the values it was sent", request.get_json()["output"][:200])
            return _refuse(400, CALLBACK_REFUSED)

    server.view_functions[CALLBACK_PATH] = checked


def _malformed(body, callbacks: dict) -> str | None:
    """What makes a callback request unreadable to Dash, or None."""
    if not isinstance(body, dict):
        return "body_not_an_object"
    if not isinstance(body.get("output"), str) or body["output"] not in callbacks:
        return "unknown_output"
    for part in ("inputs", "state", "changedPropIds"):
        if not isinstance(body.get(part, []), list):
            return f"{part}_not_a_list"
    for item in (*body.get("inputs", []), *body.get("state", [])):
        for dependency in item if isinstance(item, list) else [item]:
            if not (isinstance(dependency, dict) and isinstance(dependency.get("property"), str)
                    and isinstance(dependency.get("id"), str | dict)):
                return "dependency_without_id_and_property"
    return None


def _layout():
    return html.Div([
        navbar(),
        dbc.Container(dash.page_container, fluid=True, className="pb-5"),
        dcc.Location(id="url-root"),
    ], lang="zh-CN")


def _login(svc: Services, csrf: CSRFProtect):
    from pensioncert.admin import staff

    if request.method == "GET":
        return login_form.page(generate_csrf(), staff.login_hint(svc))
    if request.method != "POST":
        return _refuse(405, ErrorCode.METHOD_NOT_ALLOWED.message)
    username = request.form.get("username", "")
    try:
        csrf.protect()
    except CSRFError:
        return login_form.page(generate_csrf(), staff.login_hint(svc), labels.LOGIN_PAGE_EXPIRED), 400
    attempt = staff.LoginAttempt(username=username, password=request.form.get("password", ""),
                                 client=request.remote_addr,
                                 captcha_id=request.form.get("captcha_id", ""),
                                 captcha_answer=request.form.get("captcha_answer", ""))
    try:
        principal = staff.login(svc, attempt)
    except AppError as error:
        captcha = (staff.new_captcha(svc) if isinstance(error, staff.CaptchaNeeded)
                   or staff.needs_captcha(svc, username, request.remote_addr) else None)
        return login_form.page(generate_csrf(), staff.login_hint(svc), error.message, username=username[:64],
                               captcha=captcha), error.status
    session.clear()  # a fresh session id and CSRF secret at every login
    session.permanent = True
    session["sid"] = staff.open_session(svc, principal)
    return redirect("/")


def _refuse(status: int, message: str) -> Response:
    import json

    return Response(json.dumps({"error": {"message": message}}, ensure_ascii=False), status=status,
                    mimetype="application/json")
