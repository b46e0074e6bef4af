from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from wangge.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("open311/", include("wangge.open311.urls")),
    path("r/", include("wangge.portal.urls")),  # the resident portal (随手拍), no account
    path("intake/", include("wangge.intake.urls")),
    path("people/", include("wangge.people.urls")),
    path("field/", include("wangge.fieldwork.urls")),  # grid workers' fieldwork
    path("suggest/", include("wangge.suggest.urls")),
    path("dashboard/", include("wangge.stats.urls")),  # figures: dashboard, big screen
    path("assessment/", include("wangge.stats.assessment.urls")),  # 考核
    path("", include("wangge.web.urls")),
]
