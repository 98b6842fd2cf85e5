"""Placeholder: being written (helper-owned file)."""

from django.http import Http404


def guidance_list(request, *args, **kwargs):
    raise Http404


def guidance_edit(request, *args, **kwargs):
    raise Http404


def risk_register(request, *args, **kwargs):
    raise Http404


def risk_edit(request, *args, **kwargs):
    raise Http404


def risk_chart(request, *args, **kwargs):
    raise Http404


def progress_list(request, *args, **kwargs):
    raise Http404


def progress_edit(request, *args, **kwargs):
    raise Http404


def progress_share(request, *args, **kwargs):
    raise Http404
