from django.urls import path

from wangge.fieldwork.patrols import views as v

urlpatterns = [
    path("", v.patrol_home, name="patrol"),
    path("start/", v.patrol_start, name="patrol_start"),
    path("<int:pk>/", v.patrol_detail, name="patrol_detail"),
    path("<int:pk>/end/", v.patrol_end, name="patrol_end"),
    path("inspect/<str:kind>/<int:pk>/", v.inspect, name="inspect"),
    path("finding/", v.finding, name="patrol_finding"),
    path("inspections/<int:pk>/photo/", v.inspection_photo, name="inspection_photo"),
    path("figures/", v.figures_page, name="patrol_figures"),
]
