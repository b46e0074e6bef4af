from django.urls import path

from wangge.stats.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.runs_page, name="runs"),
    path("<int:rid>/", views.ranking_page, name="ranking"),
    path("<int:rid>/xlsx/", views.xlsx_page, name="xlsx"),
    path("<int:rid>/<int:target_id>/", views.result_page, name="result"),
]
