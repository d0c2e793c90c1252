"""The admin as a production WSGI app, one object for both ways it runs:

- ``application``: for gunicorn (``make run`` starts ``gunicorn admin_dash.wsgi:application``,
  ``make admin`` too; ``python -m admin_dash`` is Flask's development server, for debugging only);
- ``handler``: the Lambda entry point behind API Gateway (infra/template.py, the ``AdminFunction``
  built from infra/admin.Dockerfile), adapted by apig-wsgi.

Behind API Gateway the caller's address is the request context's ``sourceIp`` (set by API Gateway),
never the X-Forwarded-For header: the client writes that header's first entry, and the staff login
limit per address (pensioncert/admin/staff.py) must not be dodged by writing a new one each try.
"""
from __future__ import annotations

import os
import threading


def trusted_client_address(app):
    """Wrap a WSGI app so REMOTE_ADDR is API Gateway's sourceIp when there is a request context."""
    def wrapped(environ, start_response):
        context = environ.get("apig_wsgi.request_context") or {}
        source = (context.get("identity") or {}).get("sourceIp") or (context.get("http") or {}).get("sourceIp")
        if source:
            environ["REMOTE_ADDR"] = source
        return app(environ, start_response)

    return wrapped


def _build():
    if os.environ.get("PC_STAGE", "local") == "local":
        from pensioncert.settings import adopt_running_stack

        adopt_running_stack()  # `make admin` beside a running `make run`: that stack's settings
    from admin_dash.app import create_app

    return create_app().server


_server = None
_building = threading.Lock()


def application(environ, start_response):
    """The Flask server of ``create_app``, built on first use (importing this module builds nothing)."""
    global _server
    if _server is None:
        with _building:
            if _server is None:
                _server = _build()
    return _server(environ, start_response)


def _lambda_handler():
    from apig_wsgi import make_lambda_handler

    return make_lambda_handler(trusted_client_address(application), binary_support=True)


handler = _lambda_handler()
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # in Lambda: build during the init phase
    _server = _build()
