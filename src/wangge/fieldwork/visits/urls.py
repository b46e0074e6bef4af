from django.urls import path

from wangge.fieldwork.visits import views as v

urlpatterns = [
    path("", v.visit_mine, name="visit_mine"),
    path("task/<int:pk>/", v.visit_task, name="visit_task"),
    path("record/<int:pk>/", v.visit_record_page, name="visit_record"),
    path("photo/<int:pk>/", v.visit_photo, name="visit_photo"),
    path("household/<int:pk>/", v.visit_household, name="visit_household"),
    path("figures/", v.visit_figures, name="visit_figures"),
    path("figures/map.json", v.visit_figures_map, name="visit_figures_map"),
    path("alerts/", v.visit_alerts, name="visit_alerts"),
]
