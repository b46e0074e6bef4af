from django.urls import path

from wangge.web import (
    download_views,
    event_views,
    privacy_views,
    queue_views,
    staff_views,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("start/", views.start, name="start"),
    path("me/", views.me, name="me"),
    path("areas/search/", views.area_search, name="area_search"),
    path("areas/roster/", views.roster, name="roster"),
    path("areas/<str:code>/", views.area_page, name="area"),
    path("areas/<str:code>/posts/", staff_views.area_posts, name="area_posts"),
    path("staff/import/", staff_views.roster_upload, name="staff_import"),
    # The event loop
    path("events/", queue_views.event_queue, name="events"),
    path("events/counts/", queue_views.queue_counts, name="queue_counts"),
    path("events/bulk/", queue_views.queue_bulk, name="queue_bulk"),
    path("events/<str:code>/", event_views.event_page, name="event"),
    path(
        "events/<str:code>/reporter-phone/",
        privacy_views.event_reporter_phone,
        name="event_reporter_phone",
    ),
    path("events/<str:code>/act/<str:action>/", event_views.event_act, name="event_act"),
    path(
        "events/<str:code>/duplicates/<str:other>/keep-apart/",
        event_views.event_keep_apart,
        name="event_keep_apart",
    ),
    path("events/<str:code>/area.geojson", event_views.event_area, name="event_area"),
    path("events/<str:code>/photos/<int:pk>/", event_views.event_photo, name="event_photo"),
    path("orders/", event_views.my_orders, name="orders"),
    path("m/", event_views.mobile_home, name="mobile"),
    path("m/report/", event_views.mobile_report, name="mobile_report"),
    path("inbox/", event_views.inbox, name="inbox"),
    path("inbox/count/", event_views.inbox_count, name="inbox_count"),
    path("inbox/read-all/", event_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", event_views.inbox_read, name="inbox_read"),
    # Background exports (我的下载)
    path("downloads/", download_views.downloads_page, name="downloads"),
    path("downloads/new/", download_views.download_new, name="download_new"),
    path("downloads/<int:pk>/file/", download_views.download_fetch, name="download_file"),
]
