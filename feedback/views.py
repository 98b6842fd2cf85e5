"""Placeholders: the gates link to these names (``engagements.gates`` reverses them), and
the pages come with the next issue. Until then each answers 404."""

from django.http import Http404


def evaluation(request, pk):
    raise Http404


def follow_up(request, pk):
    raise Http404


def complaints(request, pk):
    raise Http404


def survey(request, pk):
    raise Http404


def survey_answer(request, token):
    raise Http404
