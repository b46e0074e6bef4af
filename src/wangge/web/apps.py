from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "wangge.web"
    verbose_name = _("Web UI")

    def ready(self) -> None:
        from django.core import checks

        from wangge import tiles

        checks.register(tiles.check)
