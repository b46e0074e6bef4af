"""A draft campaign's notice to its residents. Here, not in either app: fieldwork and
notices are siblings and may not import each other."""

import argparse
import sys
from typing import Any


def cmd_campaign_notice(args: argparse.Namespace) -> int:
    """Tell a draft campaign's residents it is coming: a notice to residents of its areas.
    Here, not in either app: fieldwork and notices are siblings and may not import each other."""
    from django.contrib.auth import get_user_model
    from django.utils import formats
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.fieldwork.models import Campaign
    from wangge.notices import forms, services
    from wangge.notices.models import Notice

    campaign = Campaign.objects.filter(pk=args.id).first()
    sender = get_user_model().objects.filter(username=args.sender, is_active=True).first()
    refusal = None
    if campaign is None:
        refusal = _("No campaign %(id)s.") % {"id": args.id}
    elif campaign.status != Campaign.Status.DRAFT:
        refusal = _("The campaign is already open; send a notice before it opens.")
    elif sender is None:
        refusal = _("No active user %(name)s.") % {"name": args.sender}
    if refusal or campaign is None:
        print(refusal, file=sys.stderr)
        return 1
    dates = _("From %(start)s to %(end)s.") % {
        "start": formats.date_format(campaign.starts_on),
        "end": formats.date_format(campaign.ends_on),
    }
    try:
        notice = services.notice_send(
            sender=sender,
            title=args.title or campaign.title,
            body="\n\n".join(p for p in (campaign.description, dates) if p),
            kind=Notice.Kind.READ,
            audience=Notice.Audience.RESIDENTS,
            areas=list(campaign.areas.all()),
            send_at=forms.moment(args.send_at or "", "send_at"),
        )
    except DomainError as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        _("Notice %(id)s to the residents of %(n)s areas (%(status)s).")
        % {"id": notice.pk, "n": campaign.areas.count(), "status": notice.get_status_display()}
    )
    return 0


def register(sub: Any) -> None:
    cnotice = sub.add_parser(
        "campaign-notice", help="tell a draft campaign's residents it is coming (notice board)"
    )
    cnotice.add_argument("id", type=int, help="the campaign's number")
    cnotice.add_argument(
        "--sender", required=True, help="username sending it (a post over the areas)"
    )
    cnotice.add_argument("--title", default="", help="default: the campaign's title")
    cnotice.add_argument("--send-at", default="", help="ISO date and time (default: now)")
    cnotice.set_defaults(func=cmd_campaign_notice)
