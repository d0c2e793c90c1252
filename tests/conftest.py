"""Shared fixtures: the emulator (moto in server mode, a real HTTP endpoint), provisioned from the
same table and bucket definitions as `make run`, and the API app for chalice's test client."""
from __future__ import annotations

import contextlib
import os
import sys
from unittest import mock

import pytest
from chalice import test as chalice_test
from support import REPO, free_port

sys.path.insert(0, str(REPO / "functions"))
sys.path.insert(0, str(REPO / "layers" / "vision"))  # its build scripts: models and test photos


@contextlib.contextmanager
def _stage_variables_set(self, environment_variables):
    """chalice's test client swaps ``os.environ`` for a plain copy during each request and puts the
    one it found back afterwards. Two requests at once (the suite's concurrency tests send 8) can
    leave a copy in place for the rest of the session, and from then on ``os.environ`` no longer
    reaches child processes: the matching write-back's workers wrote to another emulator than the
    test read (seen in a full run). Here ``os.environ`` stays the process's own: the stage's
    variables are set in it only if they differ (the suite's client stage sets none)."""
    changes = {name: value for name, value in environment_variables.items() if os.environ.get(name) != value}
    if not changes:
        yield
        return
    with mock.patch.dict(os.environ, changes):
        yield


chalice_test.BaseClient._patched_env_vars = _stage_variables_set  # type: ignore[method-assign]


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
