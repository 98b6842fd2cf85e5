"""Evaluation and clause 9 forms. Thin: the services do the saving and the checks."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultancy.clients.models import ClientContact
from consultancy.tenancy.selectors import firm_staff
from consultancy.tenancy.versioning import VersionedFormMixin
from engagements.forms import DATE, TEXT3

from .models import (
    ClientAcceptance,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    FollowUpGuidance,
    ObjectiveReview,
)


class AcceptanceForm(forms.Form):
    """The client's verdict on the delivered results (a contact of this client)."""

    contact = forms.ModelChoiceField(label=_("Client contact"), queryset=ClientContact.objects.none())
    accepted_on = forms.DateField(label=_("Date of the verdict"), widget=DATE)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=ClientAcceptance.Verdict.choices)
    reasons = forms.CharField(label=_("Reasons"), required=False, widget=TEXT3)

    def __init__(self, *args, engagement, **kwargs):
        kwargs.setdefault("initial", {"accepted_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = ClientContact.objects.filter(
            client_id=engagement.client_id)


class ReviewForm(forms.Form):
    """The provider's review of the outcome: who and when (the rows are a formset)."""

    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=None)
    reviewed_on = forms.DateField(label=_("Date of the review"), widget=DATE)
    conclusion = forms.CharField(label=_("Conclusion"), required=False, widget=TEXT3)

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = firm_staff(firm=firm)


class ObjectiveRowForm(forms.Form):
    objective = forms.CharField(label=_("Objective"), required=False, max_length=500,
                                widget=forms.TextInput(attrs={"class": "form-control"}))
    verdict = forms.ChoiceField(label=_("Verdict"), required=False,
                                choices=[("", "---------"), *ObjectiveReview.Verdict.choices],
                                widget=forms.Select(attrs={"class": "form-select"}))
    evidence = forms.CharField(label=_("Evidence"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2,
                                                            "class": "form-control"}))


ObjectiveFormSet = forms.formset_factory(ObjectiveRowForm, extra=2)


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class FollowUpGuidanceForm(VersionedFormMixin, forms.Form):
    """9.1: further technical guidance after delivery."""

    given_on = forms.DateField(label=_("Date"), widget=DATE)
    given_by = forms.ModelChoiceField(label=_("Given by"), queryset=None)
    channel = forms.ChoiceField(label=_("Channel"), choices=FollowUpGuidance.Channel.choices)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    advice = forms.CharField(label=_("Guidance given"), widget=TEXT3)

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].queryset = firm_staff(firm=firm)


class FollowUpVisitForm(VersionedFormMixin, forms.Form):
    """9.2: a follow-up visit; 9.3: site changes."""

    visited_on = forms.DateField(label=_("Date of the visit"), widget=DATE)
    visitors = forms.ModelMultipleChoiceField(label=_("Visitors"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple)
    client_participants = forms.CharField(label=_("Client participants"), required=False,
                                          max_length=300)
    discussed = forms.CharField(label=_("What was discussed"), widget=TEXT3)
    plan_needs_adjusting = forms.ChoiceField(
        label=_("Does the next stage of work need the plan adjusted?"), choices=YES_NO,
        widget=forms.RadioSelect)
    adjustment_notes = forms.CharField(label=_("What to adjust"), required=False, widget=TEXT3)
    site_changes = forms.CharField(label=_("Changes found on site"), required=False,
                                   widget=TEXT3)

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitors"].queryset = firm_staff(firm=firm)

    def clean_plan_needs_adjusting(self):
        return self.cleaned_data["plan_needs_adjusting"] == "yes"


class ComplaintForm(forms.Form):
    """9.4: a complaint about this engagement, entered by the staff."""

    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    channel = forms.ChoiceField(label=_("Received through"), choices=Complaint.Channel.choices)
    complainant_name = forms.CharField(label=_("Complainant"), max_length=100)
    complainant_contact = forms.CharField(label=_("Complainant's phone or e-mail"),
                                          required=False, max_length=200)
    contact = forms.ModelChoiceField(label=_("Client contact"), required=False,
                                     queryset=ClientContact.objects.none())
    description = forms.CharField(label=_("What happened"), widget=TEXT3)
    remedy_sought = forms.CharField(label=_("Remedy sought"), required=False, widget=TEXT3)
    safety_related = forms.BooleanField(label=_("Safety-related"), required=False)

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = ClientContact.objects.filter(
            client_id=engagement.client_id)


STEP_DATE_LABELS = {
    "acknowledge": pgettext_lazy("complaint", "Acknowledged on"), "assess": _("Assessed on"),
    "investigate": _("Investigated on"), "respond": _("Answer given on"),
    "close": _("Closed on"), "escalate": _("Escalated on"),
}


class ComplaintStepForm(VersionedFormMixin, forms.Form):
    """The next step of a complaint (9.4): its text, its date (not before the step it
    follows, not in the future) and a note. It carries the version of the complaint the
    user saw (``versioned=``), so a step taken on a complaint someone changed meanwhile
    is refused. The service says what each step needs."""

    STEPS = ["acknowledge", "assess", "investigate", "respond", "close", "escalate"]

    step = forms.ChoiceField(choices=[(s, s) for s in STEPS], widget=forms.HiddenInput)
    acknowledgement = forms.CharField(
        label=_("How the receipt was confirmed to the complainant"), required=False,
        widget=TEXT3, help_text=_("E.g. by phone to the complainant, telling them the number "
                                  "and the time limits; they are also sent a notice."))
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", "---------"), *Complaint.Severity.choices])
    cause = forms.ModelChoiceField(label=_("Cause"), required=False,
                                   queryset=ComplaintCause.objects.none(),
                                   help_text=_("The firm's list of complaint causes."))
    safety_related = forms.BooleanField(label=_("Safety-related"), required=False)
    assessment = forms.CharField(label=_("Assessment"), required=False, widget=TEXT3,
                                 help_text=_("Severity, safety implications, what the "
                                             "complaint is about, immediate action taken."))
    findings = forms.CharField(label=_("Findings of the investigation"), required=False,
                               widget=TEXT3)
    decision = forms.CharField(label=_("Decision communicated to the complainant"),
                               required=False, widget=TEXT3,
                               help_text=_("The written answer: the complainant is sent it "
                                           "and asked whether they accept it."))
    complainant_acceptance = forms.CharField(
        label=_("The complainant's acceptance"), required=False, widget=TEXT3,
        help_text=_("How the complainant accepted the answer (after an escalation: the "
                    "outcome). Not needed when they accepted it in the client portal."))
    no_action_reason = forms.CharField(
        label=_("Why no corrective action is needed"), required=False, widget=TEXT3,
        help_text=_("Managers only, when the complaint has no corrective or preventive "
                    "action."))
    escalated_to = forms.CharField(label=_("Escalated to"), required=False, max_length=200)
    reason = forms.CharField(label=_("Reason for escalation"), required=False, widget=TEXT3)
    on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}))

    FIELDS = {
        "acknowledge": ["acknowledgement"],
        "assess": ["severity", "cause", "safety_related", "assessment"],
        "investigate": ["findings"],
        "respond": ["decision"],
        "close": ["complainant_acceptance", "no_action_reason"],
        "escalate": ["escalated_to", "reason"],
    }
    DATE_ARGUMENT = {"acknowledge": "acknowledged_on", "assess": "assessed_on",
                     "investigate": "investigated_on", "respond": "responded_on",
                     "close": "closed_on", "escalate": "escalated_on"}

    def __init__(self, *args, step=None, firm=None, complaint=None, causes=None, **kwargs):
        if complaint is not None:
            kwargs.setdefault("versioned", complaint)
        super().__init__(*args, **kwargs)
        if firm is not None:
            self.fields["cause"].queryset = ComplaintCause.objects.filter(
                firm_id=getattr(firm, "pk", firm), is_active=True).order_by("order", "pk")
        if causes is not None:  # read once for every form of a page
            self.fields["cause"].choices = [("", "---------"),
                                            *[(c.pk, c.label) for c in causes if c.is_active]]
        step = step or self.data.get("step") or self.initial.get("step")
        if step in STEP_DATE_LABELS:
            self.fields["on"].label = STEP_DATE_LABELS[step]
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())

    def step_kwargs(self):
        data = self.cleaned_data
        step = data["step"]
        kwargs = {name: data[name] for name in self.FIELDS[step]}
        kwargs[self.DATE_ARGUMENT[step]] = data["on"]
        kwargs["note"] = data["note"]
        return step, kwargs

    def fields_for(self, step, *, manager=False):
        names = [n for n in self.FIELDS[step] if manager or n != "no_action_reason"]
        return [self[name] for name in names] + [self["on"], self["note"]]


class NoActionForm(forms.Form):
    """9.4: a manager's reason why the complaint needs no corrective action."""

    reason = forms.CharField(label=_("Why no corrective or preventive action is needed"),
                             widget=TEXT3)


class ComplaintActionForm(forms.Form):
    """A corrective or preventive action on a complaint (9.4): what, who, by when."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ComplaintAction.Kind.choices)
    description = forms.CharField(label=_("Action"), widget=TEXT3,
                                  help_text=_("What is to be done to remove the cause (or to "
                                              "keep it from happening again)."))
    owner = forms.ModelChoiceField(label=_("Who"), queryset=None)
    due_on = forms.DateField(label=_("Due by"), widget=DATE)
    changes_plan = forms.BooleanField(
        label=_("Changes the consulting plan (9.3)"), required=False,
        help_text=_("Opens a new version of the engagement's consulting plan, to be approved, "
                    "issued and confirmed again."))

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = firm_staff(firm=firm)


class ActionDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    done_note = forms.CharField(label=_("What was done"), widget=TEXT3)


class ActionVerifyForm(forms.Form):
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE)
    verification = forms.CharField(label=_("How its effect was verified"), widget=TEXT3)


class GeneralComplaintForm(ComplaintForm):
    """9.4: a complaint entered in the firm's register, about an engagement the user may
    see or about none (a general complaint, e.g. about the firm's conduct)."""

    engagement = forms.ModelChoiceField(label=_("Engagement"), required=False, queryset=None,
                                        help_text=_("Leave empty for a complaint about no "
                                                    "particular engagement."))

    field_order = ["received_on", "channel", "engagement", "complainant_name",
                   "complainant_contact", "contact", "description", "remedy_sought",
                   "safety_related"]

    def __init__(self, *args, user, **kwargs):
        forms.Form.__init__(self, *args, **kwargs)
        from engagements.selectors import engagements_visible_to

        self.fields["engagement"].queryset = (engagements_visible_to(user)
                                              .select_related("client").order_by("-pk"))
        self.fields["contact"].queryset = (ClientContact.objects.filter(firm_id=user.firm_id)
                                           .select_related("client")
                                           .order_by("client__name", "name"))
        self.order_fields(self.field_order)


COMPLAINT_STATE_CHOICES = [("", _("All states")), ("open", pgettext_lazy("complaint", "Open")),
                           *Complaint.Status.choices]


class ComplaintFilterForm(forms.Form):
    """The register's filters (9.4)."""

    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=COMPLAINT_STATE_CHOICES)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    safety = forms.BooleanField(label=_("Safety-related only"), required=False)

    def filter(self, qs, today):
        from django.db.models import Q

        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            qs = qs.filter(Q(number__icontains=q) | Q(complainant_name__icontains=q)
                           | Q(engagement__number__icontains=q)
                           | Q(engagement__title__icontains=q)
                           | Q(engagement__client__name__icontains=q)
                           | Q(contact__client__name__icontains=q))
        if data["state"] == "open":
            qs = qs.exclude(status=Complaint.Status.CLOSED)
        elif data["state"]:
            qs = qs.filter(status=data["state"])
        if data["overdue"]:
            qs = qs.filter(status__in=list(Complaint.NEXT_STEP), due_on__lt=today)
        if data["safety"]:
            qs = qs.filter(safety_related=True)
        return qs


# -- 9.5 the satisfaction survey form (the public link page and the portal share it) -----


def survey_answers_posted(post, questions) -> dict:
    """``{question code: raw answer}`` from a posted survey form (fields ``q-<code>``)."""
    return {q.code: post.get(f"q-{q.code}", "") for q in questions}


def survey_answer_errors(exc) -> dict:
    """The refusal of ``services.survey_answer`` as ``{question code | "__all__": text}``."""
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def survey_rows(questions, given, errors) -> list[dict]:
    """One row per question for the survey templates: the answer given, its error and, for
    a scale, its choices."""
    return [{"q": q, "value": given.get(q.code, ""), "error": errors.get(q.code, ""),
             "choices": range(q.range[0], q.range[1] + 1) if q.range else None}
            for q in questions]
