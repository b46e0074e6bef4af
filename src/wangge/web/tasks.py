"""The web shell's worker jobs: build a background export; remove old export files nightly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from wangge.web import download_jobs


@db_task()
def build_download(pk: int) -> None:
    download_jobs.download_build(pk=pk)


@db_periodic_task(crontab(hour="3", minute="27"))
@lock_task("wangge-downloads-prune")
def downloads_prune() -> int:
    return download_jobs.downloads_prune()
