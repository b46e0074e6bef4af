from django.conf import settings
from django.urls import URLPattern, URLResolver, path

app_name = "intake"
urlpatterns: list[URLPattern | URLResolver] = []

if settings.WANGGE_BENCH_FLOOR:  # benchmarks/intake.py only
    from wangge.intake import bench_floor

    urlpatterns.append(path("bench-floor/", bench_floor.insert_one, name="bench-floor"))
