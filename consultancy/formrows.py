"""Formset rows added in place (htmx): the page's "add a row" button GETs the formset's next
empty form, sending the management form's TOTAL_FORMS (``hx-include``); the answer is that
row (``hx-swap="beforeend"`` into the rows) and the TOTAL_FORMS input raised by one
(``hx-swap-oob``). Removing a row marks its DELETE and hides it (static/js/formset-rows.js);
the save still goes through the app's service with the version seen. Without JavaScript the
page keeps its one empty row per save."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render


def next_row_index(request, formset_class, prefix):
    """The index of the row to add, from the page's TOTAL_FORMS, or None when absent or out
    of the formset's bounds."""
    try:
        index = int(request.GET.get(f"{prefix}-TOTAL_FORMS", ""))
    except ValueError:
        return None
    if not 0 <= index < formset_class.absolute_max - 1:
        return None
    return index


def next_row_response(request, formset_class, *, prefix, template, context=None):
    """The formset's empty form at the next index, rendered with ``template`` (which also
    renders the row on the page), and the management form's TOTAL_FORMS raised by one."""
    index = next_row_index(request, formset_class, prefix)
    if index is None:
        return HttpResponseBadRequest()
    formset = formset_class(prefix=prefix)
    form = formset.form(auto_id=formset.auto_id, prefix=formset.add_prefix(index),
                        empty_permitted=True, use_required_attribute=False,
                        **formset.get_form_kwargs(index), renderer=formset.renderer)
    formset.add_fields(form, index)
    return render(request, "formrows/next_row.html", {
        **(context or {}), "row_template": template, "f": form, "prefix": prefix,
        "total": index + 1, "new_row": True,
    })
