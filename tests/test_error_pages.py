"""Our own error pages: in Chinese, styled, with a way back — the staff pages' and the
resident portal's."""

import pytest
from django.test import Client, RequestFactory

from tests.factories import make_user
from wangge.web import errors

pytestmark = pytest.mark.django_db


def test_a_staff_page_not_found_is_ours_in_chinese(client):
    client.force_login(make_user("someone"))
    response = client.get("/events/XC-NOPE/", HTTP_REFERER="http://testserver/events/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and 'href="/"' in html
    assert '<a href="http://testserver/events/" class="secondary">返回上一页</a>' in html
    assert "javascript:" not in html  # the CSP would block it
    other = client.get("/events/XC-NOPE/", HTTP_REFERER="https://elsewhere.example/").content
    assert b"elsewhere" not in other
    assert "Not Found" not in html and "<style>" in html


def test_a_portal_page_not_found_leads_back_to_the_portal(client):
    response = client.get("/r/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'href="/r/"' in html and 'href="/events/"' not in html and "页面不存在" in html


def test_a_refused_form_and_a_server_error_are_ours_too():
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and "无权" in response.content.decode()
    request = RequestFactory().get("/r/status/")
    response = errors.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and "出错" in html and 'href="/r/"' in html


def test_a_refused_request_on_a_page_is_our_page_saying_why(client):
    """A service's refusal on a page (here: a grid worker opening the assessment schemes,
    which assessors and command centres edit) is our styled page with the reason, not a bare
    line of text."""
    from tests.events.factories import make_world

    world = make_world()
    client.force_login(world.worker)
    response = client.get("/assessment/schemes/")
    html = response.content.decode()
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    assert '<ul class="reasons"><li>' in html and "<style>" in html and 'href="/"' in html
    assert "无权" in html
