"""Staff pages: a grid's posts (give, end) and the roster upload. Rules live in wangge.staff."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wangge.accounts.audit import client_ip
from wangge.accounts.models import Post, Role
from wangge.errors import DomainError
from wangge.pages import scoped_page
from wangge.regions import selectors
from wangge.staff import grants, roster

MAX_UPLOAD = 10 * 1024 * 1024


@scoped_page
def area_posts(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(user=request.user, code=code)
    if not grants.may_manage(request.user, area):
        raise Http404
    error = ""
    if request.method == "POST":
        ip = client_ip(request)
        if request.POST.get("end"):
            post = Post.objects.filter(
                pk=request.POST["end"], area=area, ended_on__isnull=True
            ).first()
            if post is None:
                raise Http404
            grants.post_revoke(actor=request.user, post=post, ip=ip)
            messages.success(request, _("Post ended."))
            return redirect("web:area_posts", code=area.code)
        user = (
            get_user_model()
            .objects.filter(username=request.POST.get("username", "").strip(), is_active=True)
            .first()
        )
        if user is None:
            error = _("No active account has this name.")
        else:
            try:
                grants.post_grant(
                    actor=request.user,
                    user=user,
                    area=area,
                    role=request.POST.get("role", ""),
                    ip=ip,
                )
            except DomainError as exc:
                error = "; ".join(p.message for p in exc.problems)
            else:
                messages.success(request, _("Post given."))
                return redirect("web:area_posts", code=area.code)
    posts = Post.objects.filter(area=area, ended_on__isnull=True).select_related("user")
    return render(
        request,
        "web/staff/posts.html",
        {"area": area, "posts": posts, "roles": Role.choices, "error": error},
        status=422 if error else 200,
    )


@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or grants.manages_anywhere(request.user)):
        raise Http404
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size is None or upload.size > MAX_UPLOAD:
            messages.error(request, _("Choose an xlsx or CSV file of at most 10 MB."))
        else:
            result = roster.import_roster(
                request.user,
                upload.read(),
                upload.name or "roster.xlsx",
                dry_run=bool(request.POST.get("dry_run")),
                ip=client_ip(request),
            )
    return render(
        request,
        "web/staff/import.html",
        {"result": result},
        status=422 if result is not None and result.problems else 200,
    )
