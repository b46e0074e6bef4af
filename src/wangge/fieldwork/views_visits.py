"""Pages of visits and must-attend (placeholder)."""
from django.http import HttpResponse

def visit_mine(request, pk=None):
    return HttpResponse('')


def visit_task(request, pk=None):
    return HttpResponse('')


def visit_record_page(request, pk=None):
    return HttpResponse('')


def visit_photo(request, pk=None):
    return HttpResponse('')


def visit_household(request, pk=None):
    return HttpResponse('')


def visit_figures(request, pk=None):
    return HttpResponse('')


def visit_figures_map(request, pk=None):
    return HttpResponse('')


def visit_alerts(request, pk=None):
    return HttpResponse('')


def attend_mine(request, pk=None):
    return HttpResponse('')


def attend_task(request, pk=None):
    return HttpResponse('')


