"""Pages of the command centre through the test client: login, scope, roster."""

import pytest

from tests.factories import make_tree, make_user, post

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client):
    for url in ("/", "/areas/roster/", "/areas/330103/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_speaks_chinese(client):
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page


def test_login_with_password_lands_on_the_map(client):
    make_tree()
    make_user("op", is_superuser=True)
    response = client.post("/login/", {"username": "op", "password": "pw-Wangge-2026"})
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True).content.decode()  # by /start/
    assert 'data-roots="330103"' in page and "leaflet.js" in page


def test_area_page_shows_chain_children_staff_and_hides_other_streets(client):
    areas = make_tree()
    worker = make_user("w", first_name="李娜")
    post(worker, areas["330103002"], role="full_time")
    client.force_login(worker)
    page = client.get("/areas/330103002/").content.decode()
    assert "李娜" in page and "专职网格员" in page
    assert page.count('href="/areas/330103002') == 4  # its children
    assert areas["330103"].name in page  # the district is named in the chain …
    assert 'href="/areas/330103/"' not in page  # … but not linked: it is above the scope
    assert client.get("/areas/330103001/").status_code == 404


def test_search_partial_is_scoped(client):
    areas = make_tree()
    worker = make_user()
    post(worker, areas["330103002"])
    client.force_login(worker)
    other = areas["330103001"].name
    assert other not in client.get("/areas/search/", {"q": other}).content.decode()
    mine = areas["330103002001"].name
    assert 'data-drill="330103002001"' in client.get("/areas/search/", {"q": mine}).content.decode()


def test_roster_page_lists_the_grids_lacking_staff(client):
    areas = make_tree()
    operator = make_user()
    post(operator, areas["330103"], role="operator")
    client.force_login(operator)
    page = client.get("/areas/roster/").content.decode()
    assert page.count('class="missing"') == 2 * 64  # no grid has any staff yet


def test_back_office_refuses_an_area_that_breaks_the_tree_rules(admin_client):
    areas = make_tree()
    url = "/admin/regions/area/add/"
    bad = {
        "code": "999",
        "name": "错",
        "level": 2,
        "parent": areas["330103"].pk,
        "geometry": '{"type": "Point", "coordinates": [120, 30]}',
        "valid_from": "2026-01-01",
    }
    response = admin_client.post(url, bad)
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert "geometry" in errors
    count = len(areas)
    bad["geometry"] = ""
    response = admin_client.post(url, bad)
    assert "code" in response.context["adminform"].form.errors
    from wangge.regions.models import Area

    assert Area.objects.count() == count
    good = {**bad, "code": "330103009"}
    assert admin_client.post(url, good).status_code == 302
    assert Area.objects.get(code="330103009").path == "/330103/330103009/"
