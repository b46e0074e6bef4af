from django.urls import include, path

app_name = "fieldwork"
urlpatterns = [
    path("", include("wangge.fieldwork.urls_mobile")),
    path("visits/", include("wangge.fieldwork.urls_visits")),
    path("campaigns/", include("wangge.fieldwork.urls_campaigns")),
    path("patrols/", include("wangge.fieldwork.urls_patrols")),
]
