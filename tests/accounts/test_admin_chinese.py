"""The back office names every model and app in Chinese, the libraries' too (the lockout, the
second login step): the index, each app's index and each changelist, walked as a superuser.
A Latin proper noun inside a Chinese name is fine ("Open311 诉求", "TOTP"); a name with no
Chinese in it fails."""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import translation

from tests.factories import make_user

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _english(names: list[str]) -> list[str]:
    return [n for n in names if n.strip() and not CHINESE.search(n)]


def _texts(page: str, pattern: str) -> list[str]:
    """The text (tags stripped) of every match of `pattern`'s one group."""
    return [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in re.findall(pattern, page, re.S)]


def test_every_model_and_app_has_a_chinese_name(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        names = []
        for model in admin.site._registry:
            meta = model._meta
            names += [str(meta.verbose_name), str(meta.verbose_name_plural)]
            names.append(str(meta.app_config.verbose_name))
    assert _english(names) == []


def test_the_index_and_every_changelist_speak_chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    get = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    with translation.override("zh-hans"):
        index = client.get("/admin/", **get)
        assert index.status_code == 200
        text = index.content.decode()
        shown = _texts(text, r"<caption>(.*?)</caption>")
        shown += _texts(text, r'<th scope="row"[^>]*>(.*?)</th>')
        assert len(shown) > len(admin.site._registry) / 2 and _english(shown) == []
        labels = {m._meta.app_label for m in admin.site._registry}
        for label in sorted(labels):
            page = client.get(f"/admin/{label}/", **get)
            assert page.status_code == 200, label
            assert _english(_texts(page.content.decode(), r"<h1>(.*?)</h1>")) == [], label
        english = {}
        for model in admin.site._registry:
            meta = model._meta
            url = f"/admin/{meta.app_label}/{meta.model_name}/"
            page = client.get(url, **get)
            assert page.status_code == 200, url
            text = page.content.decode()
            table = re.search(r'<table id="result_list">.*?</thead>', text, re.S)
            heads = _texts(table.group(0) if table else "", r'<th scope="col"[^>]*>(.*?)</th>')
            crumbs = _texts(text, r'<div class="breadcrumbs">(.*?)</div>')
            if found := _english(crumbs + [h for h in heads if h != "ID"]):
                english[url] = found
        assert english == {}
