"""Subcommands of `wangge` for this app (no Django imports at module level).

wangge channels list
wangge channels create CODE NAME [--skips-acceptance] [--default-category C] [--webhook-url U]
wangge channels key CODE        issue a new API key (shown once)
wangge channels secret CODE     issue a new signing secret
wangge channels camera CODE CAMERA_ID NAME LON LAT   register or move a camera
wangge hotline import FILE --channel CODE [--dry-run]   checked whole, written in batches here
wangge hotline resume JOB       go on with a stopped import job from its last batch
wangge hotline jobs             the latest import jobs and how far they are
"""

import argparse
import sys
from pathlib import Path
from typing import Any


def _fail(exc: Any) -> int:
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _find(code: str) -> Any:
    from django.utils.translation import gettext as _

    from wangge.intake.models import Channel

    channel = Channel.objects.filter(code=code).first()
    if channel is None:
        print(_("Channel %(c)s not found.") % {"c": code}, file=sys.stderr)
    return channel


def cmd_list(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.intake.models import Channel

    for c in Channel.objects.select_related("default_category"):
        flags = [
            _("active") if c.active else _("switched off"),
            _("API key") if c.api_key_hash else "",
            _("signing secret") if c.secret else "",
            _("skips acceptance") if c.skips_acceptance else "",
        ]
        category = c.default_category.code if c.default_category else "-"
        print(f"{c.code:<18} {c.name:<12} {category:<8} {' · '.join(f for f in flags if f)}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.events.models import Category
    from wangge.intake.services import channel_create

    fields: dict[str, Any] = {
        "skips_acceptance": args.skips_acceptance,
        "webhook_url": args.webhook_url,
    }
    if args.default_category:
        fields["default_category"] = Category.objects.filter(code=args.default_category).first()
        if fields["default_category"] is None:
            print(_("Unknown category %(c)s.") % {"c": args.default_category}, file=sys.stderr)
            return 1
    try:
        channel = channel_create(args.code, args.name, **fields)
    except DomainError as exc:
        return _fail(exc)
    print(_("Channel %(c)s created.") % {"c": channel}, flush=True)
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.intake.services import channel_issue_key

    channel = _find(args.code)
    if channel is None:
        return 1
    key = channel_issue_key(channel)
    print(_("New API key of %(c)s (shown only now; the old one stops working):") % {"c": channel})
    print(key)
    return 0


def cmd_secret(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.intake.services import channel_issue_secret

    channel = _find(args.code)
    if channel is None:
        return 1
    secret = channel_issue_secret(channel)
    print(_("New signing secret of %(c)s (the old one stops working):") % {"c": channel})
    print(secret)
    return 0


def cmd_camera(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.intake.video import camera_save

    channel = _find(args.code)
    if channel is None:
        return 1
    try:
        camera = camera_save(channel, args.camera_id, args.name, args.lon, args.lat)
    except DomainError as exc:
        return _fail(exc)
    print(_("Camera %(c)s is in %(a)s.") % {"c": camera, "a": camera.area.name})
    return 0


def cmd_hotline_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.intake import imports
    from wangge.intake.importer import import_orders, summarise

    path = Path(args.file)
    if not path.is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    channel = _find(args.channel)
    if channel is None:
        return 1
    try:
        if args.dry_run:
            report = import_orders(channel, path.name, path.read_bytes(), dry_run=True)
        else:
            job = imports.import_job_create(
                channel=channel,
                file_name=path.name,
                data=path.read_bytes(),
                via="cli",
            )
    except DomainError as exc:
        print(_("Import refused, nothing written:"), file=sys.stderr)
        for line in summarise(exc.problems):
            print(line, file=sys.stderr)
        return _fail(exc)
    if not args.dry_run:
        return _run_job(job.pk)
    print(report.summary())
    for line in summarise(report.problems):
        print(line)
    for problem in report.problems:
        print(f"  {problem}")
    for sample in report.sample:
        print("  " + " · ".join(str(v) for v in sample.values() if v != ""))
    return 1 if report.problems else 0


def _run_job(job_id: int) -> int:
    """Write an import job here, batch by batch, printing its progress."""
    from django.utils.translation import gettext as _

    from wangge.intake import imports

    def progress(job: Any) -> None:
        print(
            _("Import %(id)s: %(done)s of %(total)s rows written.")
            % {"id": job.pk, "done": job.position, "total": job.rows_total},
            flush=True,
        )

    job = imports.import_job_run(job_id=job_id, progress=progress)
    status = imports.import_job_status(job)
    if job.state != imports.State.DONE:
        print(
            _("Import %(id)s %(state)s after %(done)s of %(total)s rows:")
            % {
                "id": job.pk,
                "state": job.get_state_display(),
                "done": job.position,
                "total": job.rows_total,
            },
            file=sys.stderr,
        )
        for line in status["summary"]:
            print(line, file=sys.stderr)
        for p in job.problems:
            print(f"  {p['item']} · {p['field']}: {p['message']}", file=sys.stderr)
        return 1
    print(
        _(
            "%(rows)s rows: %(created)s created, %(updated)s updated, %(noted)s noted on "
            "accepted events, %(unchanged)s unchanged."
        )
        % {"rows": job.rows_total, **status["outcomes"]}
    )
    return 0


def cmd_hotline_resume(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.intake.models import ImportJob

    if not ImportJob.objects.filter(pk=args.job).exists():
        print(_("No import job %(id)s.") % {"id": args.job}, file=sys.stderr)
        return 1
    return _run_job(args.job)


def cmd_hotline_jobs(args: argparse.Namespace) -> int:
    from wangge.intake.models import ImportJob

    for job in ImportJob.objects.select_related("channel")[: args.limit]:
        print(
            f"{job.pk:<6} {job.channel.code:<12} {job.state:<8} "
            f"{job.position}/{job.rows_total:<12} {job.created_at:%Y-%m-%d %H:%M} {job.file_name}"
        )
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    channels = sub.add_parser("channels", help="intake channels (多网合一)").add_subparsers(
        dest="channels_command", required=True
    )
    channels.add_parser("list", help="list the channels").set_defaults(func=cmd_list)
    create = channels.add_parser("create", help="add a channel")
    create.add_argument("code")
    create.add_argument("name")
    create.add_argument("--skips-acceptance", action="store_true")
    create.add_argument("--default-category", default="")
    create.add_argument("--webhook-url", default="", help="where status changes are POSTed")
    create.set_defaults(func=cmd_create)
    key = channels.add_parser("key", help="issue a new API key")
    key.add_argument("code")
    key.set_defaults(func=cmd_key)
    secret = channels.add_parser("secret", help="issue a new signing secret")
    secret.add_argument("code")
    secret.set_defaults(func=cmd_secret)
    camera = channels.add_parser("camera", help="register or move a camera of a channel")
    for name in ("code", "camera_id", "name"):
        camera.add_argument(name)
    camera.add_argument("lon", type=float)
    camera.add_argument("lat", type=float)
    camera.set_defaults(func=cmd_camera)

    hotline = sub.add_parser("hotline", help="12345 hotline work orders").add_subparsers(
        dest="hotline_command", required=True
    )
    imp = hotline.add_parser(
        "import", help="import an xlsx or CSV file: checked whole, then written in batches"
    )
    imp.add_argument("file")
    imp.add_argument("--channel", default="hotline")
    imp.add_argument(
        "--dry-run", action="store_true", help="check and show what would be written; write nothing"
    )
    imp.set_defaults(func=cmd_hotline_import)
    resume = hotline.add_parser("resume", help="go on with a stopped import job")
    resume.add_argument("job", type=int)
    resume.set_defaults(func=cmd_hotline_resume)
    jobs = hotline.add_parser("jobs", help="list the latest import jobs")
    jobs.add_argument("--limit", type=int, default=20)
    jobs.set_defaults(func=cmd_hotline_jobs)
