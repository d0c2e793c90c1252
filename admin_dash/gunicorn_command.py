"""How the local stage (``make run``, ``make admin``) starts the admin: gunicorn serving
``admin_dash.wsgi:application``. Apart from the WSGI module, which adopts the running stack on its
first request, so the stack's launcher and the module it launches do not import each other."""
from __future__ import annotations

import sys

# One process (the services hold one emulator client and the app is I/O-bound), threads for the
# parallel callbacks a Dash page fires on load.
GUNICORN_THREADS = 8
GUNICORN_TIMEOUT_S = 120  # an upload of a registry zip with photos models every photo


def gunicorn_command(port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--worker-class", "gthread", "--threads", str(GUNICORN_THREADS),
            "--timeout", str(GUNICORN_TIMEOUT_S), "--access-logfile", "-", "admin_dash.wsgi:application"]
