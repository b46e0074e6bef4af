from django.urls import URLPattern, URLResolver

app_name = "suggest"
urlpatterns: list[URLPattern | URLResolver] = []
