from django.urls import URLPattern, URLResolver, path

from wangge.dev import bench_floor

app_name = "dev"
urlpatterns: list[URLPattern | URLResolver] = [
    path("bench-floor/", bench_floor.insert_one, name="bench-floor"),
]
