"""The cap on a request's body, enforced before the body is read (ASVS V12.1.1).

A request announcing more than ``MAX_UPLOAD_MB`` megabytes (the largest file a form accepts
and the form around it) is answered 413 with a page that says so; nothing of its body is
read. Each upload field's own limit stays in ``consultancy.tenancy.files.UploadValidator``.
The reverse proxy should refuse the same (``client_max_body_size`` for nginx; the README).
"""

from django.conf import settings
from django.shortcuts import render


class UploadSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        if length > limit:
            response = render(request, "413.html", {"max_mb": settings.MAX_UPLOAD_MB},
                              status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)
