from django.urls import path

from wangge.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("screen/", views.screen_page, name="screen"),
    path("export.xlsx", views.export_view, name="export"),
]
