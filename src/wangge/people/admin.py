"""Back office: tag kinds and sensitive-tag grants are managed here (the audit log is read in
`accounts.admin`).

Residents and their personal data are not edited here: their encrypted fields only change
through the services (import, API), which audit every change.
"""

from django.contrib import admin

from wangge.people.models import TagGrant, TagKind


@admin.register(TagKind)
class TagKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sensitive", "order"]


@admin.register(TagGrant)
class TagGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "granted_at", "expires_on", "revoked_at"]
    list_filter = ["kind"]
    autocomplete_fields = ["user"]
