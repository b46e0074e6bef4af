from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "wangge.web"
    verbose_name = "Web UI"
