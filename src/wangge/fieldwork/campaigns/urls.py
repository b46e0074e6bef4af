from django.urls import path, re_path

from wangge.fieldwork.campaigns import views

urlpatterns = [
    # The grid worker's phone pages.
    path("", views.my_campaigns, name="campaign_mine"),
    path("<int:pk>/", views.my_targets, name="campaign_targets"),
    path("targets/<int:pk>/", views.target_form, name="campaign_target"),
    # The command centre's.
    path("files/<int:pk>/", views.campaign_file, name="campaign_file"),
    path("centre/", views.centre, name="campaign_centre"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/end/", views.campaign_end, name="campaign_end"),
    path("<int:pk>/coverage/", views.coverage, name="campaign_coverage"),
    path("<int:pk>/coverage.geojson", views.coverage_geojson, name="campaign_coverage_geojson"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>open|refresh|close)/$",
        views.manage,
        name="campaign_manage",
    ),
]
