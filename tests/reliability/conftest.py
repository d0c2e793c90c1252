"""Fixtures of the reliability suites: a `make run` stack of their own (real HTTP, real moto), and
people in its registry with real reference photos (the vision dev set's), so genuine certifications
can be driven with real steps of the same people."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stackctl import LocalStack, new_retiree


@pytest.fixture(scope="session")
def rstack():
    """`make run` on free ports, for the reliability suites only (the fuzzer and the lockout tests
    must not disturb the e2e suite's stack)."""
    import build_models

    build_models.build()  # the models the stack's in-process vision function loads
    stack = LocalStack()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def demo_token(rstack):
    """The demo card login of the banner: real-name verified (card holders are)."""
    return rstack.card_login()


@pytest.fixture
def retiree(rstack):
    return new_retiree(rstack)
