"""The staff principal's region scope, in the shapes the admin's services ask it (issue 21: the
expression was written seven times across them)."""
from __future__ import annotations

from pensioncert.admin import labels
from pensioncert.admin.principal import StaffPrincipal, covers

PROVINCE = StaffPrincipal("sheng", "省管理员", labels.ROLE_PROVINCE_ADMIN)
OPERATOR = StaffPrincipal("xa", "西安经办员", labels.ROLE_OPERATOR, ("西安市", "宝鸡市"))
NOBODY = StaffPrincipal("none", "未分配地区", labels.ROLE_OPERATOR, ())


def test_the_province_queries_everything_at_once_and_names_every_region_when_it_must():
    asked = []
    assert PROVINCE.query_regions == [None]
    assert PROVINCE.region_filter is None
    assert PROVINCE.named_regions(lambda: asked.append(1) or ["宝鸡市", "延安市"]) == ["宝鸡市", "延安市"] and asked == [1]


def test_an_operator_asks_for_its_own_regions_only_in_one_order():
    never = lambda: (_ for _ in ()).throw(AssertionError("an operator never lists every region"))  # noqa: E731
    assert OPERATOR.query_regions == ["宝鸡市", "西安市"] == list(OPERATOR.region_filter) == OPERATOR.named_regions(never)
    assert NOBODY.query_regions == [] and NOBODY.region_filter == ()


def test_who_covers_a_region():
    assert OPERATOR.can_see("西安市") and not OPERATOR.can_see("延安市") and not OPERATOR.can_see(None)
    assert PROVINCE.can_see("延安市") and PROVINCE.can_see(None)
    assert covers(labels.ROLE_OPERATOR, ["西安市"], "西安市") and not covers(labels.ROLE_OPERATOR, None, "西安市")
    assert covers(labels.ROLE_PROVINCE_ADMIN, None, "延安市")
