"""The shared page helpers: the scoped-page decorator and optional numbers from a form."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from wangge.errors import DomainError
from wangge.pages import optional_number, scoped_page


def test_optional_number_blank_number_or_a_named_error():
    assert optional_number(None, "lon") is None
    assert optional_number("  ", "lon") is None
    assert optional_number(" 120.5 ", "lon") == 120.5
    for bad in ("east", "nan", "inf"):
        with pytest.raises(DomainError) as err:
            optional_number(bad, "lat")
        assert err.value.problems[0].field == "lat"


@pytest.mark.django_db
def test_scoped_page_logs_in_first_and_turns_out_of_scope_into_404(django_user_model):
    @scoped_page
    def view(request, status):
        if status:
            raise DomainError.one("no", status=status)
        return HttpResponse("ok")

    factory = RequestFactory()
    anonymous = factory.get("/x/")
    anonymous.user = AnonymousUser()
    assert view(anonymous, 0).status_code == 302
    request = factory.get("/x/")
    request.user = django_user_model.objects.create_user("u")
    assert view(request, 0).content == b"ok"
    with pytest.raises(Http404):
        view(request, 404)
    for status in (400, 403, 409, 422):  # a refusal is a plain page with its status
        response = view(request, status)
        assert response.status_code == status and "no" in response.content.decode()
    with pytest.raises(DomainError):
        view(request, 500)  # anything else is the view's business
