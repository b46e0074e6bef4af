from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "wangge.intake"
    verbose_name = _("Intake channels")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wangge.events import channels, hooks
        from wangge.intake import channel_copy, feed, services
        from wangge.intake.models import Channel

        channels.provide(services.channel_skips_acceptance)
        hooks.register(hooks.TIMELINE_ENTRY, feed.on_timeline_entry)
        # This process's copy of the channels (intake.channel_copy).
        for signal in (post_save, post_delete):
            signal.connect(
                channel_copy.forget_channels, sender=Channel, dispatch_uid="intake-Channel"
            )
