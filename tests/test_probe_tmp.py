import pytest, re
from tests.events.factories import make_world, report
pytestmark = pytest.mark.django_db

def test_probe(client, settings):
    settings.TIME_ZONE = "America/New_York"
    w = make_world()
    e = report(w)
    client.force_login(w.operator)
    print("API", client.get(f"/api/events/{e.code}").json().get("reported_at"))
    print("LIST", client.get("/api/events").json()["items"][0].get("reported_at"))
    html = client.get(f"/events/{e.code}/").content.decode()
    print("PAGE", re.findall(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d[^<\"]{0,12}", html)[:5], "+08" in html)
    html = client.get("/events/").content.decode()
    print("QUEUE", re.findall(r"\d\d:\d\d[^<\"]{0,8}", html)[:5], "+08" in html)
    r = client.get("/open311/v2/requests.json")
    print("311", r.status_code, r.content[:300])
