from django.urls import path

from wangge.stats.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.runs_page, name="runs"),
    path("bulletins/", views.bulletins_page, name="bulletins"),
    path("schemes/", views.schemes_page, name="schemes"),
    path("schemes/<int:sid>/", views.scheme_page, name="scheme"),
    path("bulletins/subscriptions/", views.subscriptions_page, name="subscriptions"),
    path("bulletins/<int:bid>/", views.bulletin_page, name="bulletin"),
    path("bulletins/<int:bid>/xlsx/", views.bulletin_xlsx, name="bulletin_xlsx"),
    path("disputes/", views.disputes_page, name="disputes"),
    path("disputes/<int:did>/decide/", views.dispute_decide, name="dispute_decide"),
    path("<int:rid>/<int:target_id>/dispute/", views.dispute_post, name="dispute"),
    path("<int:rid>/<int:target_id>/manual/", views.manual_post, name="manual"),
    path(
        "<int:rid>/<int:target_id>/manual/<int:mid>/remove/",
        views.manual_remove,
        name="manual_remove",
    ),
    path("<int:rid>/", views.ranking_page, name="ranking"),
    path("<int:rid>/xlsx/", views.xlsx_page, name="xlsx"),
    path("<int:rid>/<int:target_id>/", views.result_page, name="result"),
]
