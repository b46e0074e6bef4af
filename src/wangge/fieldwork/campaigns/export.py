"""Every answer of a campaign as an xlsx: one row per target (those that left scope too,
marked), the area chain, the answers by field label, who answered and when.

Personal data as the people app exports it: residents' ID numbers and phones masked; the file
is stamped with the exporter and the time, and the export is audited.
"""

import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wangge import form_fields as forms
from wangge.accounts import audit
from wangge.accounts.actors import Actor, needs_check
from wangge.fieldwork.campaigns import selectors
from wangge.fieldwork.campaigns.models import Campaign, CampaignFile, CampaignTarget
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

CHUNK = 2000


def _area_names(campaign: Campaign) -> dict[str, str]:
    """Name by path of every area the campaign's targets sit in, and their ancestors."""
    paths = set(
        Area.objects.filter(
            pk__in=CampaignTarget.objects.filter(campaign=campaign).values("area_id")
        ).values_list("path", flat=True)
    )
    chains = {p[: i + 1] for p in paths for i, ch in enumerate(p) if ch == "/" and i}
    return dict(Area.objects.filter(path__in=chains).values_list("path", "name"))


def export(
    *,
    actor: Actor,
    campaign: Campaign,
    ip: str = "",
    progress: Callable[[int, int | None], None] | None = None,
) -> bytes:
    """The campaign's answers under the actor's scope (the system: all of it). `progress`
    (rows done, rows in all) is told every CHUNK rows, for a background export's page."""
    if not needs_check(actor):
        rows = without_geometry(
            CampaignTarget.objects.filter(campaign=campaign).select_related(
                "area", "household", "resident", "done_by"
            )
        )
    else:
        campaign = selectors.campaign_get(actor, campaign.pk)
        rows = selectors.targets(actor, campaign, include_left=True)
    rows = rows.order_by("area__path", "address", "id")
    fields = campaign.fields
    names = _area_names(campaign)
    files = set(CampaignFile.objects.filter(target__campaign=campaign).values_list("pk", flat=True))
    residents = campaign.target_kind == Campaign.TargetKind.RESIDENT
    exporter = (
        getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", "") or "system"
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    book = Workbook(write_only=True)
    ws = book.create_sheet(_("Answers"))
    ws.append([campaign.title])
    ws.append([_("Exported by %(name)s at %(time)s") % {"name": exporter, "time": stamp}])
    header = [_("Street"), _("Community"), _("Grid"), _("Micro-grid"), _("Household number")]
    if residents:
        header += [_("Name"), _("ID number"), _("Phone")]
    header += [_("Address"), _("Status"), _("Reason not reachable")]
    header += [f["label"] for f in fields]
    header += [_("Filled by"), _("Filled at"), _("Left scope at")]
    ws.append(header)
    total = rows.count() if progress is not None else None
    count = 0
    for t in rows.iterator(chunk_size=CHUNK):
        chain = [c for c in t.area.path.split("/") if c]
        prefixes = ["/" + "/".join(chain[: i + 1]) + "/" for i in range(len(chain))]
        levels = [names.get(p, "") for p in prefixes[1:5]]
        levels += [""] * (4 - len(levels))
        row: list[Any] = [*levels, t.household.code if t.household is not None else ""]
        if residents:
            r = t.resident
            row += [r.name, r.id_number_masked, r.phone_masked] if r else ["", "", ""]
        row += [t.address, t.get_status_display(), t.reason]
        for f in fields:
            value = t.answers.get(f["name"])
            if f["type"] in forms.FILE_TYPES and value is not None:
                # The scoped download (login and scope), never a bare /media/ path.
                row.append(selectors.file_url(value) if value in files else "")
            else:
                row.append(forms.display(value))
        row += [
            (t.done_by.get_full_name() or t.done_by.username) if t.done_by else "",
            timezone.localtime(t.done_at).strftime("%Y-%m-%d %H:%M") if t.done_at else "",
            timezone.localtime(t.left_at).strftime("%Y-%m-%d %H:%M") if t.left_at else "",
        ]
        ws.append(row)
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count, total)
    if progress is not None:
        progress(count, total)
    book.properties.creator = exporter
    book.properties.title = f"{campaign.title} · {stamp}"
    out = io.BytesIO()
    book.save(out)
    audit.record(
        actor,
        "export",
        "campaign",
        campaign.pk,
        label=campaign.title[:200],
        ip=ip,
        detail={"rows": count, "masked": True},
    )
    return out.getvalue()
