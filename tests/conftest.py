"""Shared fixtures: the emulator (moto in server mode, a real HTTP endpoint), provisioned from the
same table and bucket definitions as `make run`, and the API app for chalice's test client."""
from __future__ import annotations

import sys

import pytest
from support import REPO, free_port

sys.path.insert(0, str(REPO / "functions"))
sys.path.insert(0, str(REPO / "layers" / "vision"))  # its build scripts: models and test photos


@pytest.fixture(scope="session")
def emulator():
    """A moto server for the whole session, with the local stage's environment pointing at it."""
    from pensioncert import devstack

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()) as environment:
        yield environment


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
