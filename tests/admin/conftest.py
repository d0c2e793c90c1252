"""Fixtures of the admin tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def province_admin():
    from pensioncert.admin.labels import ROLE_PROVINCE_ADMIN
    from pensioncert.admin.principal import StaffPrincipal

    return StaffPrincipal("prov_test", "省级测试员", ROLE_PROVINCE_ADMIN)
