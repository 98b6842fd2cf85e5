"""Placeholder: being written (helper-owned file)."""

from django.http import Http404


def library(request, *args, **kwargs):
    raise Http404


def document_create(request, *args, **kwargs):
    raise Http404


def document_detail(request, *args, **kwargs):
    raise Http404


def version_file(request, *args, **kwargs):
    raise Http404


def deliver(request, *args, **kwargs):
    raise Http404


def acknowledge(request, *args, **kwargs):
    raise Http404
