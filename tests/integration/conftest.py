"""Fixtures of the integration tests (the shared ones are in tests/conftest.py)."""
from __future__ import annotations

import random

import pytest


def new_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture(autouse=True)
def client(monkeypatch):
    """The caller's source address as API Gateway reports it (``sourceIp``), one per test, since
    per-client limits (card login) count by it and chalice's test client always says 127.0.0.1;
    ``client.use(address)`` acts as a given caller, ``client.fresh()`` as a new one."""
    from chalice.local import LambdaEventConverter

    class Client:
        def use(self, address: str) -> str:
            monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", address)
            return address

        def fresh(self) -> str:
            return self.use(new_address())

    caller = Client()
    caller.fresh()
    return caller


@pytest.fixture(scope="module")
def own_emulator(emulator):
    """An emulator for one module alone (``pytestmark = pytest.mark.usefixtures("own_emulator")``),
    for tests whose cost grows with all a table or the stage holds (a dump, a snapshot of every
    table): the session's emulator holds all that the suite wrote before them."""
    from support import free_port

    from localstage import devstack

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()) as environment:
        yield environment
