from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "wangge.intake"
    verbose_name = _("Intake channels")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wangge.events import channels
        from wangge.events.models import TimelineEntry
        from wangge.intake import feed, services
        from wangge.intake.models import Channel

        channels.provide(services.channel_skips_acceptance)
        post_save.connect(feed.on_timeline_entry, sender=TimelineEntry, dispatch_uid="intake")
        # This process's copy of the channels (intake.services).
        for signal in (post_save, post_delete):
            signal.connect(services.forget_channels, sender=Channel, dispatch_uid="intake-Channel")
