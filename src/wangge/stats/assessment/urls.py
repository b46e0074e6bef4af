from django.urls import path

from wangge.stats.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.runs_page, name="runs"),
    path("bulletins/", views.bulletins_page, name="bulletins"),
    path("schemes/", views.schemes_page, name="schemes"),
    path("schemes/<int:sid>/", views.scheme_page, name="scheme"),
    path("bulletins/<int:bid>/", views.bulletin_page, name="bulletin"),
    path("bulletins/<int:bid>/xlsx/", views.bulletin_xlsx, name="bulletin_xlsx"),
    path("<int:rid>/<int:target_id>/dispute/", views.dispute_post, name="dispute"),
    path("<int:rid>/", views.ranking_page, name="ranking"),
    path("<int:rid>/xlsx/", views.xlsx_page, name="xlsx"),
    path("<int:rid>/<int:target_id>/", views.result_page, name="result"),
]
