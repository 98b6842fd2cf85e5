"""Placeholder: being written (helper-owned file)."""

from django.http import Http404


def team_page(request, *args, **kwargs):
    raise Http404


def member_remove(request, *args, **kwargs):
    raise Http404
