"""`python -m admin_dash`: serve the admin on 127.0.0.1:<PC_ADMIN_PORT> (`make run` starts it)."""
from __future__ import annotations

import sys


def main() -> int:
    from pensioncert.devstack import adopt_running_stack

    adopt_running_stack()
    from admin_dash.app import create_app
    from pensioncert.settings import get_settings

    settings = get_settings()
    app = create_app()
    app.run(host="127.0.0.1", port=settings.admin_port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
