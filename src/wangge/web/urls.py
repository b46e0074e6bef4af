from django.urls import path

from wangge.web import views

app_name = "web"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("areas/search/", views.area_search, name="area_search"),
    path("areas/roster/", views.roster, name="roster"),
    path("areas/<str:code>/", views.area_page, name="area"),
]
