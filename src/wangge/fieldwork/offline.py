"""Idempotent form posts for the phone pages (forms with `data-offline-form`).

Each such form carries a hidden `client_key` made when the page was drawn (`new_client_key`).
`drafts.js` may send a form more than once (queued offline, then the network comes back in
two tabs, or a reply is lost after the server stored it); the view runs its write through
`once(...)`, which stores the key with the write in one transaction and, for a key already
stored, returns the first result's URL instead of writing again. `OfflineSubmission` is that
stored key (a model of the `fieldwork` app, registered through `fieldwork.models`).

    def my_form(request):
        if request.method == "POST":
            url = offline.once(request, "visit", lambda: do_write(...) and reverse(...))
            return redirect(url)
        return render(..., {"client_key": offline.new_client_key()})
"""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.actors import Actor, user_of
from wangge.errors import DomainError

KEY_FIELD = "client_key"
_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")


class OfflineSubmission(models.Model):
    """A form's client key, once it has been stored: a second send gets the first result."""

    key = models.CharField(max_length=80, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    # Where the stored result is shown (the page the first send redirected to).
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("offline submission")
        verbose_name_plural = gettext_lazy("offline submissions")

    def __str__(self) -> str:
        return self.key


def new_client_key(prefix: str = "f") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def clean_key(value: str | None) -> str:
    key = (value or "").strip()
    if key and not _KEY_RE.match(key):
        raise DomainError.one(_("The form's key is not valid."), field=KEY_FIELD, code="invalid")
    return key


def _earlier(key: str, user: Actor, kind: str) -> str | None:
    done = OfflineSubmission.objects.filter(key=key).first()
    if done is None:
        return None
    if done.user_id != user.pk or done.kind != kind:
        # A key is no way to see another user's record; nor is one form's key a reply to
        # another form (its stored URL means something else there).
        raise DomainError.one(
            _("This form's key is already used."), field=KEY_FIELD, code="duplicate", status=409
        )
    return done.url


def once(user: Actor, key: str | None, kind: str, write: Callable[[], str]) -> tuple[str, bool]:
    """Run `write` (which returns the result's URL) unless `key` was stored already.

    Returns (url, created). Without a key the write simply runs (old clients, the API).
    """
    key = clean_key(key)
    if not key:
        return write(), True
    if (url := _earlier(key, user, kind)) is not None:
        return url, False
    try:
        with transaction.atomic():
            url = write()
            OfflineSubmission.objects.create(key=key, user=user_of(user), kind=kind, url=url[:300])
    except IntegrityError:
        # The same form raced in twice: the other send stored it (and this write rolled back).
        if (url := _earlier(key, user, kind)) is not None:
            return url, False
        raise
    return url, True


def request_key(request: Any) -> str:
    return str(request.POST.get(KEY_FIELD, "") or request.headers.get("X-Client-Key", ""))


def sent_by_drafts(request: Any) -> bool:
    """Was the form sent by drafts.js (fetch) rather than by the browser itself?"""
    return bool(request.headers.get("X-Offline-Form") == "1")


def stored(request: Any, url: str) -> HttpResponse:
    """The answer to a stored form: a redirect for the browser; for drafts.js a small JSON
    answer it can trust (a redirect it follows could as well be the login page)."""
    if sent_by_drafts(request):
        response = JsonResponse({"stored": True, "url": url})
        response["X-Stored"] = "1"
        return response
    return HttpResponseRedirect(url)
