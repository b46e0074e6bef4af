from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "wangge.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wangge.events import deadlines
        from wangge.events.models import Category, CategoryDeadline

        # This process's copy of the catalogue (events.deadlines) follows its own edits.
        for model in (Category, CategoryDeadline):
            for signal in (post_save, post_delete):
                signal.connect(
                    deadlines.forget_on_change,
                    sender=model,
                    dispatch_uid=f"events-{model.__name__}",
                )
