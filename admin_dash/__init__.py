"""The agency admin (Dash): `python -m admin_dash` serves it on settings.admin_port."""
