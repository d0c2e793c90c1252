"""The login page: a plain HTML form served by Flask, so nothing of the Dash app (layout,
callbacks, component bundles) is reachable before signing in. The CSRF field is Flask-WTF's."""
from __future__ import annotations

from html import escape

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 养老保险待遇资格认证经办管理</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"><link rel="stylesheet" href="/assets/admin.css">
</head><body>
<div class="container" style="max-width: 420px; margin-top: 10vh;">
  <div class="card shadow-sm"><div class="card-body p-4">
    <h4 class="mb-1">养老保险待遇资格认证</h4>
    <p class="text-muted">经办机构工作人员登录</p>
    {error}
    <form method="post" action="/login" autocomplete="off">
      <input type="hidden" name="csrf_token" value="{csrf}">
      <div class="mb-3"><label class="form-label" for="username">用户名</label>
        <input class="form-control" id="username" name="username" required maxlength="64" value="{username}"></div>
      <div class="mb-3"><label class="form-label" for="password">密码</label>
        <input class="form-control" id="password" name="password" type="password" required maxlength="128"></div>
      {captcha}
      <button class="btn btn-primary w-100" id="login-button" type="submit">登录</button>
    </form>
    <p class="text-muted small mt-3 mb-0">连续输错密码3次后须输入图形验证码，5次起每次须等待几分钟（最长15分钟）。忘记密码请联系省级管理员。</p>
  </div></div>
</div></body></html>"""

_CAPTCHA = """<div class="mb-3"><label class="form-label" for="captcha">图形验证码</label>
        <div class="d-flex align-items-center gap-2">
          <input class="form-control" id="captcha" name="captcha_answer" required maxlength="8"{debug}>
          <img id="captcha-image" alt="图形验证码" src="data:image/png;base64,{image}" height="48">
        </div><input type="hidden" name="captcha_id" value="{captcha_id}"></div>"""


def page(csrf: str, error: str | None = None, *, username: str = "", captcha: dict | None = None) -> str:
    """``captcha``: a fresh ``logic.captcha.new_captcha`` answer when the login needs one (its
    ``debug_answer``, present on the local stage only, goes into a data attribute for tests)."""
    box = f'<div class="alert alert-danger" id="login-error">{escape(error)}</div>' if error else ""
    challenge = ""
    if captcha:
        debug = captcha.get("debug_answer")
        challenge = (_CAPTCHA.replace("{image}", escape(captcha["image"]))
                     .replace("{captcha_id}", escape(captcha["captcha_id"]))
                     .replace("{debug}", f' data-debug-answer="{escape(debug)}"' if debug else ""))
    return (_PAGE.replace("{error}", box).replace("{csrf}", escape(csrf))
            .replace("{username}", escape(username)).replace("{captcha}", challenge))
