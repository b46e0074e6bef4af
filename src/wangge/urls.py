from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from wangge.accounts import views as account_views
from wangge.api import api

# The back office in the platform's words, not "Django 管理".
admin.site.site_header = _("Wangge back office")
admin.site.site_title = _("Wangge back office")
admin.site.index_title = _("Back office")

urlpatterns = [
    path("admin/login/", account_views.admin_login),  # the site's login, not the admin's own
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("login/", account_views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("wangge.accounts.urls")),
    path("open311/", include("wangge.open311.urls")),
    path("r/", include("wangge.portal.urls")),  # the resident portal (随手拍), no account
    path("people/", include("wangge.people.urls")),
    path("field/", include("wangge.fieldwork.urls")),  # grid workers' fieldwork
    path("suggest/", include("wangge.suggest.urls")),
    path("notices/", include("wangge.notices.urls")),
    path("dashboard/", include("wangge.stats.urls")),  # figures: dashboard, big screen
    path("assessment/", include("wangge.stats.assessment.urls")),  # 考核
    path("", include("wangge.web.urls")),
]

# Our own error pages, in Chinese, with a way back (web.errors).
handler400 = "wangge.web.errors.bad_request"
handler403 = "wangge.web.errors.permission_denied"
handler404 = "wangge.web.errors.page_not_found"
handler500 = "wangge.web.errors.server_error"

if settings.WANGGE_BENCH_FLOOR:  # benchmarks/intake.py only; never in production
    urlpatterns.insert(0, path("dev/", include("wangge.dev.urls")))
