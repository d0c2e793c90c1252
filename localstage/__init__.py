"""The local stage: what `make run` starts and feeds on this machine, beside the product, never in it.

The emulator (moto in server mode), the fake identity authority, the API under chalice's local
server, the admin and the H5 server, the demo registry, staff and drawn ID cards, the sealed
snapshots of the emulator's data across restarts (local_state, local_kms), and the loops that stand
in for the deployed schedule and queue source (local_timer, notice_drain). It imports the domain
(``pensioncert``) to provision and seed it; nothing in ``pensioncert``, ``functions`` or ``admin_dash``
imports it (tests/unit/test_import_graph.py), and it is not in the API function's zip: the same
domain code runs here and on AWS, told apart by settings alone (``Settings.is_local``), and a command
run beside `make run` takes that stack's settings from the file it writes
(``pensioncert.settings.adopt_running_stack``).
"""
