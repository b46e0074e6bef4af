from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import TemplateView

app_name = "fieldwork"
urlpatterns = [
    path("", include("wangge.fieldwork.urls_mobile")),
    # The command centre's way into the fieldwork figures (each page is scoped itself).
    path(
        "centre/",
        login_required(TemplateView.as_view(template_name="fieldwork/centre.html")),
        name="centre",
    ),
    path("visits/attend/", include("wangge.fieldwork.attend.urls")),
    path("visits/", include("wangge.fieldwork.visits.urls")),
    path("campaigns/", include("wangge.fieldwork.campaigns.urls")),
    path("patrols/", include("wangge.fieldwork.patrols.urls")),
]
