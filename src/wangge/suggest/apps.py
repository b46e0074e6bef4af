from typing import Any

from django.apps import AppConfig
from django.core.signals import request_started
from django.utils.translation import gettext_lazy as _


class SuggestConfig(AppConfig):
    name = "wangge.suggest"
    verbose_name = _("Dispatch suggestions")

    def ready(self) -> None:
        # The model takes seconds to unpickle: load it in the background when a process
        # serves its first request (the login page, usually), not on the first event page.
        request_started.connect(_warm_up_once, dispatch_uid="wangge.suggest.warm_up")


def _warm_up_once(sender: Any = None, **kwargs: Any) -> None:
    from wangge.suggest.services import warm_up_in_background

    request_started.disconnect(dispatch_uid="wangge.suggest.warm_up")
    warm_up_in_background()
