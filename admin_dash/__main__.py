"""`python -m admin_dash`: Flask's development server on 127.0.0.1:<PC_ADMIN_PORT>, for debugging only.
`make run` and `make admin` serve the admin with gunicorn (admin_dash/wsgi.py), as deployed."""
from __future__ import annotations

import sys


def main() -> int:
    from pensioncert.settings import adopt_running_stack

    adopt_running_stack()
    from admin_dash.app import create_app
    from pensioncert.settings import get_settings

    settings = get_settings()
    app = create_app()
    app.run(host="127.0.0.1", port=settings.admin_port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
