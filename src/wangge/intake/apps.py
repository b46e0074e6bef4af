from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "wangge.intake"
    verbose_name = _("Intake channels")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wangge.events.models import Category, TimelineEntry
        from wangge.intake import feed, services
        from wangge.intake.models import Channel

        post_save.connect(feed.on_timeline_entry, sender=TimelineEntry, dispatch_uid="intake")
        # This process's copies of the channels and categories (intake.services).
        for model in (Channel, Category):
            for signal in (post_save, post_delete):
                signal.connect(
                    services.forget_channels, sender=model, dispatch_uid=f"intake-{model.__name__}"
                )
