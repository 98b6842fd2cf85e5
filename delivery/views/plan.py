"""Placeholder: being written (helper-owned file)."""

from django.http import Http404


def plan_page(request, *args, **kwargs):
    raise Http404


def plan_approve(request, *args, **kwargs):
    raise Http404


def plan_issue(request, *args, **kwargs):
    raise Http404


def plan_confirm(request, *args, **kwargs):
    raise Http404


def plan_version(request, *args, **kwargs):
    raise Http404
