"""Which department should lead an event: the most specific routing rule, else the
category's default department serving the area, else none (the command centre decides)."""

from wangge.events.models import Department, Event, RoutingRule
from wangge.regions.lean import without_geometry


def suggest_lead(event: Event) -> Department | None:
    category = event.category
    categories = [c for c in (category.pk, category.parent_id) if c]
    paths = event.area.chain_paths()
    rules = without_geometry(
        RoutingRule.objects.filter(category_id__in=categories, area__path__in=paths)
        .filter(department__active=True)
        .select_related("department", "area")
    )
    # Most specific: the deepest area, then the exact category over its parent.
    best = max(
        rules,
        key=lambda r: (r.area.level, r.category_id == category.pk),
        default=None,
    )
    if best is not None:
        return best.department
    defaults = category.default_departments.filter(active=True)
    if not defaults.exists() and category.parent_id:
        defaults = category.parent.default_departments.filter(active=True)  # type: ignore[union-attr]
    serving = defaults.filter(areas__path__in=paths).distinct()
    return serving.first() or defaults.filter(areas__isnull=True).first()
