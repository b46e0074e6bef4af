from django.urls import path

from wangge.fieldwork.attend import views as v

urlpatterns = [
    path("", v.attend_mine, name="attend_mine"),
    path("<int:pk>/", v.attend_task, name="attend_task"),
]
