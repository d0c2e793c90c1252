"""The admin's Dash app and the Flask guard in front of every one of its endpoints.

Staff sign in on a plain Flask form (/login); the session is Flask's signed cookie (secret from
settings, HttpOnly, SameSite=Strict, expiring). ``_guard`` runs before every request and refuses
all but the login form and static assets without a valid session, so callbacks
(/_dash-update-component), the layout and dependency endpoints and page routes are all protected,
and every POST must also carry the session's CSRF token (Dash's renderer sends the ``_csrf_token``
cookie back as the X-CSRFToken header). The services check role and region again on each call.
"""
from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Flask, Response, g, redirect, request, session

from admin_dash.components import login_form
from admin_dash.components.shell import navbar
from pensioncert.errors import AppError

HERE = Path(__file__).resolve().parent
PUBLIC_PREFIXES = ("/assets/",)
CSRF_COOKIE = "_csrf_token"


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
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
    )

    @server.before_request
    def _guard():
        path = request.path
        if path.startswith(PUBLIC_PREFIXES):
            return None
        if path == "/login":
            return _login(svc_factory())
        principal = _principal(svc_factory(), lifetime)
        if principal is None:
            if "staff" in session:  # expired or revoked; keep a login form's token otherwise
                session.clear()
            if request.method == "GET" and not path.startswith("/_"):
                return redirect("/login")
            return _refuse(401, "登录已失效，请重新登录")
        if request.method not in ("GET", "HEAD") and not _csrf_ok():
            return _refuse(403, "请求来源无法验证，请刷新页面后重试")
        g.staff = principal
        if path == "/logout":
            session.clear()
            response = redirect("/login")
            response.delete_cookie(CSRF_COOKIE)
            return response
        return None

    @server.after_request
    def _csrf_cookie(response):
        token = session.get("csrf")
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, samesite="Strict", secure=not settings.is_local,
                                max_age=int(lifetime.total_seconds()))
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="养老保险待遇资格认证 · 经办管理",
        update_title=None,
        suppress_callback_exceptions=True,
        enable_mcp=False,
        serve_locally=True,
    )
    app.layout = _layout
    return app


def _layout():
    return html.Div([
        navbar(),
        dbc.Container(dash.page_container, fluid=True, className="pb-5"),
        dcc.Location(id="url-root"),
    ], lang="zh-CN")


def _principal(svc, lifetime: timedelta):
    from pensioncert.admin.staff import current

    signed_in = session.get("signed_in_at")
    if not signed_in or time.time() - signed_in > lifetime.total_seconds():
        return None
    return current(session.get("staff"), svc)


def _csrf_ok() -> bool:
    token = session.get("csrf")
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf")
    return bool(token) and bool(sent) and secrets.compare_digest(token, sent)


def _login(svc):
    from pensioncert.admin import staff

    if request.method == "GET":
        session.setdefault("login_csrf", secrets.token_urlsafe(24))
        return login_form.page(session["login_csrf"])
    if request.method != "POST":
        return _refuse(405, "不支持此操作方式")
    expected = session.get("login_csrf")
    if not expected or not secrets.compare_digest(expected, request.form.get("csrf", "")):
        session.clear()
        return redirect("/login")
    try:
        principal = staff.login(svc, request.form.get("username", ""), request.form.get("password", ""))
    except AppError as error:
        return login_form.page(expected, error=error.message), 401 if error.status == 401 else error.status
    session.clear()
    session.permanent = True
    session.update(staff=principal.username, signed_in_at=time.time(), csrf=secrets.token_urlsafe(24))
    return redirect("/")


def _refuse(status: int, message: str) -> Response:
    import json

    return Response(json.dumps({"error": {"message": message}}, ensure_ascii=False), status=status,
                    mimetype="application/json")
