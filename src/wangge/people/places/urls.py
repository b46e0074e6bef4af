"""Routes of the place pages (included by `wangge.people.urls`, namespace people)."""

from django.urls import path

from wangge.people.places import views

urlpatterns = [
    path("buildings/", views.buildings, name="buildings"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("houses/<int:pk>/", views.house, name="house"),
    path("places/", views.places, name="places"),
    path("places/features/", views.places_geojson, name="places_features"),
]
