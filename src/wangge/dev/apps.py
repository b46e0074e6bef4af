from django.apps import AppConfig


class DevConfig(AppConfig):
    name = "wangge.dev"
    label = "dev"
    verbose_name = "Development"
