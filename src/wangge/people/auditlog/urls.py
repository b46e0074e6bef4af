"""Routes of the audit log pages (included by `wangge.people.urls`, namespace people)."""

from django.urls import path

from wangge.people.auditlog import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
    path(
        "audit/alerts/<int:pk>/acknowledge/",
        views.audit_alert_acknowledge,
        name="audit_alert_acknowledge",
    ),
]
