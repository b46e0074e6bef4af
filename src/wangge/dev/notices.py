"""Demo reset: notices and activities point at areas and users, so they go first."""

from django.db import transaction

from wangge.notices.models import Activity, Notice


@transaction.atomic
def reset() -> None:
    Activity.objects.all().delete()
    Notice.objects.all().delete()  # receipts and versions with them
