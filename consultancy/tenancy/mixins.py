"""View mixins: who may use a view, and the firm every queryset is limited to.

Firm-owned querysets are already scoped by the middleware (django-scopes); these
mixins add the explicit ``firm=`` filter as well, so that a view stays closed even if
it were ever run outside the middleware, and turn a foreign object into a 404.
"""

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404


class FirmStaffRequiredMixin(LoginRequiredMixin):
    """Managers and consultants of a firm. Anyone else logged in gets a 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_firm_staff:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ManagerRequiredMixin(FirmStaffRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_manager:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class FirmScopedQuerysetMixin:
    """For ``ListView``/``DetailView``/``UpdateView``: only the user's firm's rows."""

    def get_queryset(self):
        return super().get_queryset().filter(firm_id=self.request.user.firm_id)


class FirmFormMixin:
    """Passes the user's firm to the form (for choices limited to the firm)."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["firm"] = self.request.user.firm
        return kwargs


def firm_staff_required(view):
    """Function-view form of ``FirmStaffRequiredMixin``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_firm_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_manager:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def apply_validation_error(form, exc) -> None:
    """Put a service's ValidationError on the form: on its field where it names one the
    form has, else as a form-wide error; the user's input stays in the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
