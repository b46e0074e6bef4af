from django.contrib import admin
from django.http import HttpRequest

from wangge.suggest.models import SuggestionModel


@admin.register(SuggestionModel)
class SuggestionModelAdmin(admin.ModelAdmin):
    """Read-only: models are written by `wangge train` and the worker alone."""

    list_display = [
        "version",
        "trained_at",
        "category_samples",
        "category_accuracy",
        "department_samples",
        "department_accuracy",
        "sklearn_version",
    ]
    exclude = ["category_blob", "department_blob", "category_signature", "department_signature"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
