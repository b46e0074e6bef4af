"""Routes of the resident and household pages (included by `wangge.people.urls`, namespace
people)."""

from django.urls import path

from wangge.people.residents import edit_views, views

urlpatterns = [
    path("", views.search, name="search"),
    path("households/<int:pk>/", views.household, name="household"),
    path("houses/<int:pk>/households/new/", edit_views.household_new, name="household_new"),
    path("households/<int:pk>/residents/", views.resident_add, name="resident_add"),
    path("households/<int:pk>/edit/", edit_views.household_edit, name="household_edit"),
    path("households/<int:pk>/move/", edit_views.household_move, name="household_move"),
    path("residents/<int:pk>/edit/", edit_views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move/", edit_views.resident_move, name="resident_move"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("residents/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("residents/<int:pk>/tags/", views.tag_add, name="tag_add"),
    path("tags/<int:pk>/end/", views.tag_end, name="tag_end"),
]
