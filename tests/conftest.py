"""Shared fixtures: the emulator (moto in server mode, a real HTTP endpoint), provisioned from the
same table and bucket definitions as `make run`, and the API app for chalice's test client."""
from __future__ import annotations

import sys

import pytest
from support import REPO, free_port

sys.path.insert(0, str(REPO / "functions"))
sys.path.insert(0, str(REPO / "layers" / "vision"))  # its build scripts: models and test photos


# Folders whose files share one session-wide stack or build (e2e's `make run`, the H5's stack, the
# reliability stack, the deployment package): under pytest-xdist each folder runs on one worker, so
# the stack is started once; every other file is a group of its own (its module fixtures once).
ONE_WORKER_FOLDERS = {"e2e", "h5", "reliability", "infrastructure"}


# tryfirst: xdist's worker reads these marks in its own pytest_collection_modifyitems (to append the
# group to each node id), and it is registered after this conftest, so without it it ran first and
# saw no mark (and under pytest 9.2 its renaming has no effect at all: requirements/dev.txt).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        path = item.path.relative_to(REPO / "tests")
        group = path.parts[0] if path.parts[0] in ONE_WORKER_FOLDERS else path.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def emulator():
    """A moto server for the whole session, with the local stage's environment pointing at it."""
    from localstage import devstack

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
