"""The API function: the Chalice app object, its middleware and its blueprints, nothing else."""
from __future__ import annotations

import auth
import auth.dev_routes
import auth.real_name
import certify
import query
from pensioncert.http_edge import ThreadSafeChalice, reshape_framework_error
from pensioncert.observability import clear_correlation_id, set_correlation_id
from pensioncert.settings import get_settings

app = ThreadSafeChalice(app_name="pensioncert-api")
app.api.binary_types = []  # JSON only: images travel as base64 strings inside JSON
app.register_blueprint(auth.blueprint)
app.register_blueprint(auth.real_name.blueprint)
app.register_blueprint(certify.blueprint)
app.register_blueprint(query.blueprint)
if get_settings().is_local:
    app.register_blueprint(auth.dev_routes.blueprint)


@app.middleware("http")
def contract_errors(event, get_response):
    return reshape_framework_error(get_response(event))


@app.middleware("http")
def correlation_id(event, get_response):
    # API Gateway's request id (also in its access log), or a generated one under the local server.
    set_correlation_id((event.context or {}).get("requestId"))
    try:
        return get_response(event)
    finally:
        clear_correlation_id()
