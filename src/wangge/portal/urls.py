from django.urls import URLPattern, URLResolver, path

from wangge.portal import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.report, name="report"),
    path("status/", views.lookup, name="lookup"),
    path("status/<str:code>/", views.status, name="status"),
    path("status/<str:code>/after/<int:pk>/", views.after_photo, name="after_photo"),
    path("follow/<str:code>/<str:token>/", views.follow, name="follow"),
    path("follow/<str:code>/<str:token>/photos/<int:pk>/", views.follow_photo, name="photo"),
    path("outline.geojson", views.outline, name="outline"),
]
