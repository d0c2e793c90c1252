"""The deployed entry points: the WSGI app gunicorn serves and the Lambda handler behind API
Gateway (apig-wsgi), driven with API Gateway's own event shape."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

HOST = "admin.example.gov.cn"


def event(method: str, path: str, *, source_ip: str, forwarded_for: str, cookie: str = "",
          body: str = "") -> dict:
    headers = {"Host": HOST, "X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https",
               "Referer": f"https://{HOST}/login", "Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    return {"httpMethod": method, "path": path, "headers": headers, "queryStringParameters": None,
            "body": body, "isBase64Encoded": False,
            "requestContext": {"identity": {"sourceIp": source_ip}, "stage": "prod"}}


def test_the_lambda_handler_serves_the_login_page(svc):
    from admin_dash import wsgi

    answer = wsgi.handler(event("GET", "/login", source_ip="198.18.0.1", forwarded_for="1.2.3.4"), None)
    assert answer["statusCode"] == 200 and 'id="login-button"' in answer["body"]
    refused = wsgi.handler(event("GET", "/_dash-layout", source_ip="198.18.0.1", forwarded_for="1.2.3.4"), None)
    assert refused["statusCode"] == 401


def test_behind_api_gateway_a_forged_forwarded_for_header_does_not_make_a_new_client(svc):
    """The per-address staff login limit counts API Gateway's sourceIp: an outsider who writes a
    fresh X-Forwarded-For each try is still one address, asked for a captcha after 3 failures."""
    from admin_dash import wsgi

    source = "198.18.7.7"
    for n in range(4):
        page = wsgi.handler(event("GET", "/login", source_ip=source, forwarded_for=f"10.9.9.{n}"), None)
        cookie = page["headers"]["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page["body"]).group(1)
        form = urlencode({"username": "nosuchstaff", "password": "Wrong2026pass", "csrf_token": token})
        answer = wsgi.handler(event("POST", "/login", source_ip=source, forwarded_for=f"10.9.9.{n}",
                                    cookie=cookie, body=form), None)
        assert answer["statusCode"] == 401
        assert ('name="captcha_id"' in answer["body"]) == (n >= 2), n


def test_make_run_serves_the_admin_with_gunicorn(svc):
    """The command devstack's start_admin runs: a real gunicorn on a free port, against the
    test's emulator (its environment is this process's)."""
    import os
    import subprocess
    import time

    import requests
    from support import REPO, free_port

    from admin_dash.gunicorn_command import gunicorn_command

    port = free_port()
    server = subprocess.Popen(gunicorn_command(port), cwd=REPO, env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.3)
        assert answer.status_code == 200 and 'id="login-button"' in answer.text
        assert "gunicorn" in answer.headers.get("Server", "")
        assert requests.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_every_script_of_a_page_fits_a_lambda_response_as_text(svc):
    """Lambda answers at most 6 MiB; apig-wsgi base64-encodes (4/3 larger) what it takes for
    binary. Every script a page loads, plotly's 4.8 MB bundle included, must go out as text under
    the limit."""
    from admin_support import unique_region

    from admin_dash import wsgi
    from pensioncert.admin import staff

    region = unique_region()
    username = f"lam{abs(hash(region)) % 10**8}"
    staff.create_staff(svc, username=username, display_name="部署测试员", role="operator",
                       regions=[region], password="Lambda2026pass")
    source = "198.18.9.9"
    page = wsgi.handler(event("GET", "/login", source_ip=source, forwarded_for=source), None)
    cookie = page["headers"]["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page["body"]).group(1)
    form = urlencode({"username": username, "password": "Lambda2026pass", "csrf_token": token})
    signed_in = wsgi.handler(event("POST", "/login", source_ip=source, forwarded_for=source, cookie=cookie,
                                   body=form), None)
    assert signed_in["statusCode"] == 302
    cookie = signed_in["headers"]["Set-Cookie"].split(";", 1)[0]
    index = wsgi.handler(event("GET", "/", source_ip=source, forwarded_for=source, cookie=cookie), None)
    scripts = [path.split("?")[0] for path in re.findall(r'<script src="([^"]+)"', index["body"])]
    # loaded later by the components themselves: plotly's bundle for the charts, the grid's chunks
    scripts += ["/_dash-component-suites/plotly/package_data/plotly.min.js",
                "/_dash-component-suites/dash_ag_grid/async-community.js",
                "/_dash-component-suites/dash/dcc/async-graph.js"]
    sizes = {}
    for path in scripts:
        answer = wsgi.handler(event("GET", path, source_ip=source, forwarded_for=source, cookie=cookie), None)
        assert answer["statusCode"] == 200, path
        assert answer["isBase64Encoded"] is False, path
        sizes[path] = len(json.dumps(answer))
        assert sizes[path] < 6 * 1024 * 1024, path
    assert max(sizes.values()) > 4_000_000  # plotly's real bundle was among them
