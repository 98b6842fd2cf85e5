from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def portal_home(request):
    """The client portal's home (its content comes with the portal issue)."""
    user = request.user
    if not user.is_client_contact:
        raise Http404
    contact = getattr(user, "client_contact", None)
    return render(request, "portal/home.html", {"contact": contact})
