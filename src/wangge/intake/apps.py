from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "wangge.intake"
    verbose_name = _("Intake channels")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from wangge.events.models import TimelineEntry
        from wangge.intake import feed

        post_save.connect(feed.on_timeline_entry, sender=TimelineEntry, dispatch_uid="intake")
