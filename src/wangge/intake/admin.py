from django.contrib import admin

from wangge.intake.models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "skips_acceptance", "default_category"]
    exclude = ["api_key_hash"]  # keys are issued by `wangge channels key CODE`
