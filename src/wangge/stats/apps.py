from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "wangge.stats"
    verbose_name = _("Figures")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from wangge.people.models import PartyReportIn
        from wangge.stats import fieldwork_rollups

        # Report-ins are read by id (append-only); the one way one goes (with its member,
        # by cascade) is logged for the worker here, in the deleting transaction.
        post_delete.connect(
            fieldwork_rollups.report_in_deleted,
            sender=PartyReportIn,
            dispatch_uid="wangge.stats.report_in_deleted",
        )
