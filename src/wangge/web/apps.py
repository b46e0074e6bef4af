from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "wangge.web"
    verbose_name = "Web UI"

    def ready(self) -> None:
        from django.core import checks

        from wangge import tiles

        checks.register(tiles.check)
