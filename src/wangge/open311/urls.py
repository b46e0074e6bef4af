from django.urls import URLPattern, URLResolver, path, re_path

from wangge.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"
# Service codes, request ids and tokens: anything but a slash (the format follows a dot).
ID = r"(?P<{}>[^/]+?)"

urlpatterns: list[URLPattern | URLResolver] = [
    path("v2/", views.not_found, name="root"),
    re_path(r"^v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/" + ID.format("code") + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/" + ID.format("code") + FMT, views.one_request, name="request"),
    re_path(r"^v2/tokens/" + ID.format("value") + FMT, views.token, name="token"),
    re_path(r"^v2/servicerequestupdates" + FMT, views.request_updates, name="updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
