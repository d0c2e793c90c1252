"""The overview's figures, from the counters kept with every write (never a table scan)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from pensioncert.admin import labels
from pensioncert.admin.principal import require_staff
from pensioncert.dal import stats
from pensioncert.rules.certification import METHODS, PaymentPolicy, certification_year
from pensioncert.rules.life_events import PROOF

if TYPE_CHECKING:
    from pensioncert.services import Services


def summary(svc: Services, principal, year: int | None = None) -> dict:
    """Recipients, certified (count and %), by method, region, unit and month, failures by reason,
    due and overdue, for the principal's scope (the province, or the operator's regions)."""
    principal = require_staff(principal)
    now = svc.clock.now()
    year = year or certification_year(now)
    if principal.is_province_admin:
        counts = stats.read_scope(stats.year_scope(year))
        registry = stats.read_scope(stats.registry_scope())
        regions = sorted(_suffixes(registry, "recipients#region#") | _suffixes(counts, "certified#region#"))
        per_region = {region: (registry.get(f"recipients#region#{region}", 0),
                               counts.get(f"certified#region#{region}", 0)) for region in regions}
    else:
        per_region = {}
        counts, registry = {}, {}
        for region in principal.regions:
            region_counts = stats.read_scope(stats.year_scope(year, region))
            region_registry = stats.read_scope(stats.registry_scope(region))
            per_region[region] = (region_registry.get("recipients", 0), region_counts.get("certified", 0))
            _add(counts, region_counts)
            _add(registry, region_registry)
    recipients = registry.get("recipients", 0)
    certified = counts.get("certified", 0)
    policy = PaymentPolicy(svc.settings.payment_warning_days)
    due_by = policy.due_by(year)
    due = max(recipients - certified, 0)
    units = sorted(_suffixes(registry, "recipients#unit#") | _suffixes(counts, "certified#unit#"))
    return {
        "year": year,
        "scope": labels.ALL_REGIONS if principal.is_province_admin else "、".join(principal.regions),
        "recipients": recipients,
        "certified": certified,
        "certified_rate": _rate(certified, recipients),
        "by_method": {method: counts.get(f"certified#method#{method}", 0) for method in METHODS},
        # Data matching's coverage by source (issue 13): certified with an event of this type.
        "by_source": {event_type: counts.get(f"certified#source#{event_type}", 0) for event_type in PROOF},
        "by_month": [counts.get(f"certified#month#{month:02d}", 0) for month in range(1, 13)],
        "by_region": [_line(region, *figures) for region, figures in per_region.items()],
        "by_unit": [
            _line(unit.split("#", 1)[1], registry.get(f"recipients#unit#{unit}", 0),
                  counts.get(f"certified#unit#{unit}", 0), region=unit.split("#", 1)[0])
            for unit in units
        ],
        "failed_attempts": counts.get("failed", 0),
        "failures_by_reason": {
            reason: counts[f"failed#{reason}"]
            for reason in sorted(_suffixes(counts, "failed#")) if counts[f"failed#{reason}"]
        },
        "due": due,
        "due_by": due_by.date().isoformat(),
        "overdue": due if now > due_by else 0,
        "warning": now >= due_by - timedelta(days=policy.warning_days) and now <= due_by,
    }


def _line(name: str, recipients: int, certified: int, region: str | None = None) -> dict:
    line = {"name": name, "recipients": recipients, "certified": certified,
            "rate": _rate(certified, recipients), "due": max(recipients - certified, 0)}
    if region is not None:
        line["region"] = region
    return line


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _suffixes(counters: dict, prefix: str) -> set[str]:
    return {metric[len(prefix):] for metric in counters if metric.startswith(prefix)}


def _add(total: dict, more: dict) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def method_label(method: str) -> str:
    return labels.METHODS.get(method, method)
