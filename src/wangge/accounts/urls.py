from django.urls import URLPattern, URLResolver, path

from wangge.accounts import views

app_name = "accounts"
urlpatterns: list[URLPattern | URLResolver] = [
    path("password/", views.password_change, name="password"),
    path("otp/", views.otp_verify, name="otp-verify"),
    path("otp/enrol/", views.otp_enrol, name="otp-enrol"),
]
