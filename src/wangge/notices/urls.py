from django.urls import path

from wangge.notices import views, views_public

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("send/", views.send, name="send"),
    path("sent/", views.sent, name="sent"),
    path("<int:pk>/", views.read, name="read"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/recall/", views.recall, name="recall"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/photos/<int:photo>/", views.attachment, name="attachment"),
    path("<int:pk>/answers/<int:user>/photo/", views.answer_photo, name="answer_photo"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/photos/<int:photo>/", views.activity_photo, name="activity_photo"),
    # Public, no account: the resident notice board of an area, and its printable notices.
    path("board/", views_public.find, name="public_find"),
    path("board/<str:code>/", views_public.board, name="public_board"),
    path("board/<str:code>/<int:pk>/", views_public.notice, name="public_notice"),
    path("board/<str:code>/<int:pk>/print/", views_public.printable, name="public_print"),
]
