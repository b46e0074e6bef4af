"""The people pages: each sub-package's routes under the one namespace `people`."""

from wangge.people.auditlog import urls as auditlog_urls
from wangge.people.places import urls as places_urls
from wangge.people.residents import urls as residents_urls

app_name = "people"
urlpatterns = [
    *residents_urls.urlpatterns,
    *places_urls.urlpatterns,
    *auditlog_urls.urlpatterns,
]
