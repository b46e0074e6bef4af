from django.urls import path

from wangge.fieldwork import views_mobile

urlpatterns = [
    path("", views_mobile.home, name="today"),
    path("party/", views_mobile.party, name="party"),
    path("party/<int:mid>/report-in/", views_mobile.party_report_in, name="party_report_in"),
]
