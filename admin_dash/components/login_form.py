"""The login page: a plain HTML form served by Flask, so nothing of the Dash app (layout,
callbacks, component bundles) is reachable before signing in. The CSRF field is Flask-WTF's."""
from __future__ import annotations

from html import escape

from pensioncert.admin import labels

_PAGE_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"><link rel="stylesheet" href="/assets/admin.css">
</head><body>
<div class="container" style="max-width: 420px; margin-top: 10vh;">
  <div class="card shadow-sm"><div class="card-body p-4">
    <h4 class="mb-1">{heading}</h4>
    <p class="text-muted">{subheading}</p>
    {error}
    <form method="post" action="/login" autocomplete="off">
      <input type="hidden" name="csrf_token" value="{csrf}">
      <div class="mb-3"><label class="form-label" for="username">{username_label}</label>
        <input class="form-control" id="username" name="username" required maxlength="64" value="{username}"></div>
      <div class="mb-3"><label class="form-label" for="password">{password_label}</label>
        <input class="form-control" id="password" name="password" type="password" required maxlength="128"></div>
      {captcha}
      <button class="btn btn-primary w-100" id="login-button" type="submit">{submit}</button>
    </form>
    <p class="text-muted small mt-3 mb-0">{hint}</p>
  </div></div>
</div></body></html>"""

_CAPTCHA_TEMPLATE = """<div class="mb-3"><label class="form-label" for="captcha">{captcha_label}</label>
        <div class="d-flex align-items-center gap-2">
          <input class="form-control" id="captcha" name="captcha_answer" required maxlength="8"{debug}>
          <img id="captcha-image" alt="{captcha_label}" src="data:image/png;base64,{image}" height="48">
        </div><input type="hidden" name="captcha_id" value="{captcha_id}"></div>"""
_PLACEHOLDERS = {"page_title": "page_title", "heading": "heading", "subheading": "subheading",
                 "username_label": "username", "password_label": "password", "submit": "submit",
                 "captcha_label": "captcha"}


def _with_texts(template: str) -> str:
    """The template with the login texts of the catalogue in their places."""
    for placeholder, text in _PLACEHOLDERS.items():
        template = template.replace("{" + placeholder + "}", escape(labels.LOGIN_FORM[text]))
    return template


_PAGE, _CAPTCHA = _with_texts(_PAGE_TEMPLATE), _with_texts(_CAPTCHA_TEMPLATE)


def page(csrf: str, hint: str, error: str | None = None, *, username: str = "", captcha: dict | None = None) -> str:
    """``hint``: what the login asks after wrong passwords (``staff.login_hint``, the enforced numbers).
    ``captcha``: a fresh ``logic.captcha.new_captcha`` answer when the login needs one (its
    ``debug_answer``, present on the local stage only, goes into a data attribute for tests)."""
    box = f'<div class="alert alert-danger" id="login-error">{escape(error)}</div>' if error else ""
    challenge = ""
    if captcha:
        debug = captcha.get("debug_answer")
        challenge = (_CAPTCHA.replace("{image}", escape(captcha["image"]))
                     .replace("{captcha_id}", escape(captcha["captcha_id"]))
                     .replace("{debug}", f' data-debug-answer="{escape(debug)}"' if debug else ""))
    return (_PAGE.replace("{error}", box).replace("{csrf}", escape(csrf)).replace("{hint}", escape(hint))
            .replace("{username}", escape(username)).replace("{captcha}", challenge))

