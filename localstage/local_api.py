"""The API in the local stage: chalice's local server, answering even its own errors in the
contract's shape (on AWS, API Gateway's gateway responses do the same for unknown routes).

Run by `make run` as ``python -m localstage.local_api PORT``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from chalice.cli.factory import CLIFactory
from chalice.local import (
    ChaliceRequestHandler,
    LocalDevServer,
    LocalGatewayException,
    RouteMatcher,
)

from pensioncert.errors import AppError, ErrorCode

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
GATEWAY_ERRORS = {403: ErrorCode.ROUTE_NOT_FOUND, 404: ErrorCode.ROUTE_NOT_FOUND,
                  405: ErrorCode.METHOD_NOT_ALLOWED}


class ContractErrorHandler(ChaliceRequestHandler):
    def _send_error_response(self, error: LocalGatewayException) -> None:
        code = GATEWAY_ERRORS.get(error.CODE, ErrorCode.BAD_REQUEST)
        body = json.dumps(AppError(code).body(), ensure_ascii=False).encode()
        status = 404 if code is ErrorCode.ROUTE_NOT_FOUND else code.status
        self._send_http_response(status, {"Content-Type": "application/json; charset=utf-8"}, body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a method it has no handler for: TRACE, QUERY, ...; a
        malformed request line; an over-long URI) in the contract's shape too."""
        error = ErrorCode.METHOD_NOT_ALLOWED if code == 501 else ErrorCode.BAD_REQUEST
        status = 405 if code == 501 else code
        body = json.dumps(AppError(error).body(), ensure_ascii=False).encode()
        self.send_response(status, message)
        if status == 405:
            self.send_header("Allow", ", ".join(self._allowed_methods()))
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and status >= 200 and status not in (204, 304):
            self.wfile.write(body)


    def _allowed_methods(self) -> list[str]:
        routes = self.local_gateway._app_object.routes
        try:
            route = RouteMatcher(list(routes)).match_route(self.path).route
        except ValueError:
            return []
        return sorted(routes[route])


def serve(port: int, host: str = "127.0.0.1") -> None:
    factory = CLIFactory(str(FUNCTIONS_DIR))
    config = factory.create_config_obj(chalice_stage_name="local")
    app = factory.load_chalice_app(environment_variables=config.environment_variables)
    LocalDevServer(app, config, host, port, handler_cls=ContractErrorHandler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
