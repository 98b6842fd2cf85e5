"""The activity log: every act of a service leaves one event naming its actor, every
history row names its user, and the log shows on the engagement page, in the portal (the
client's part) and in the dossier."""

import datetime
from collections import Counter

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from consultancy.activity.models import Event, SystemActor
from consultancy.activity.services import BlankActor, record_event, system_user
from consultancy.activity.verbs import describe
from consultancy.documents.pdf import render_html
from consultancy.refusals import Refusal
from consultancy.tenancy.models import User
from consultancy.tenancy.scoping import firm_scope
from dashboard.pdf import dossier_pdf_spec
from engagements.models import Engagement
from engagements.stages import Stage
from feedback.reminders import run_daily_reminders
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.feedback.test_full_walk import test_one_engagement_from_needs_analysis_to_closed
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _walk(a):
    start = timezone.now()
    test_one_engagement_from_needs_analysis_to_closed(a)
    with scopes_disabled():
        engagement = Engagement.objects.get(firm=a.firm, title__startswith="危险化学品企业")
    return engagement, start


def test_every_act_of_the_walk_left_one_event_with_its_actor(a):
    engagement, _start = _walk(a)
    with scopes_disabled():
        events = list(Event.objects.filter(engagement_id=engagement.pk).order_by("at", "pk"))
    verbs = Counter(e.verb for e in events)
    assert verbs["engagement.created"] == 1
    assert verbs["engagement.transition"] == 6  # the refused ones left none
    assert verbs["needs.saved"] == 1
    assert verbs["framework.saved"] == 1 and verbs["framework.confirmed"] == 1
    assert verbs["contract.drafted"] == verbs["contract.updated"] == 1
    assert verbs["contract.issued"] == verbs["contract.signed"] == 1
    assert verbs["plan.approved"] == verbs["plan.issued"] == 1
    assert verbs["plan.confirmed_by_client"] == 1
    assert verbs["progress_report.shared"] == 1
    assert verbs["documents.delivered"] == verbs["delivery.acknowledged"] == 1
    assert verbs["document.version_added"] == 1
    assert verbs["acceptance.recorded"] == 2
    assert verbs["review.saved"] == verbs["guidance.saved"] == 1
    assert verbs["visit.saved"] == 2
    assert verbs["complaint.received"] == 1 and verbs["complaint.step"] == 5
    # 9.4: the complainant's three notices, the corrective action added and done
    assert verbs["complaint.notice"] == 3
    assert verbs["complaint_action.added"] == verbs["complaint_action.done"] == 1
    assert verbs["survey.sent"] == 1
    # site visit, communication, exchange, site research, resource research, two team
    # members, the plan, the progress report, the unit of the site (8.4), the risk, the
    # document
    assert verbs["record.saved"] == 12
    # each filed under its record's clause (the timeline filters by it)
    saved = {(e.params.get("kind"), e.clause) for e in events if e.verb == "record.saved"}
    assert all(clause for _kind, clause in saved), saved
    assert {clause for _kind, clause in saved} == {"6.1", "6.2", "6.3", "8.1.1", "8.1.2",
                                                   "8.2", "8.3", "8.4", "8.5"}
    by_verb = {e.verb: e for e in events}
    with scopes_disabled():
        assert by_verb["complaint.received"].actor == a.manager
    mailed = [e for e in events if e.verb == "survey.mailed"]
    assert mailed and all(e.system_actor == SystemActor.BACKGROUND_TASK and e.actor is None
                          for e in mailed)
    people = [e for e in events if e.verb not in ("survey.mailed", "complaint.received")]
    with scopes_disabled():
        assert all(e.actor == a.consultant and not e.system_actor for e in people)
    transition = by_verb["engagement.transition"]
    assert transition.params["to"] == Stage.CLOSED and transition.clause == "9"
    assert by_verb["plan.confirmed_by_client"].clause == "8.3.1"
    client_visible = {e.verb for e in events if e.client_visible}
    assert client_visible == {"framework.confirmed", "contract.issued", "contract.signed",
                              "plan.issued", "plan.confirmed_by_client",
                              "progress_report.shared", "documents.delivered",
                              "delivery.acknowledged", "acceptance.recorded", "survey.sent",
                              "complaint.notice"}


def test_no_history_row_of_the_walk_lacks_its_user(a):
    _engagement, start = _walk(a)
    blank = {}
    with scopes_disabled():
        for model in apps.get_models():
            if not model.__name__.startswith("Historical") or not any(
                    fld.name == "history_user" for fld in model._meta.fields):
                continue  # the many-to-many history tables hang on their record's row
            rows = model.objects.filter(history_date__gte=start, history_user__isnull=True)
            if rows.exists():
                blank[model.__name__] = rows.count()
    assert blank == {}


def test_a_blank_actor_is_refused(a):
    with scopes_disabled(), transaction.atomic():
        for by in (None, "", "somebody"):
            with pytest.raises(BlankActor):
                record_event(firm=a.firm, by=by, verb="engagement.updated")
    assert issubclass(BlankActor, Refusal)


def test_the_daily_reminders_act_as_their_system_actor(a):
    today = timezone.localdate()
    with scopes_disabled():
        a.qualification.valid_until = today + datetime.timedelta(days=10)
        a.qualification.save()
    with firm_scope(a.firm):
        assert run_daily_reminders(a.firm.pk, today) > 0
        events = list(Event.objects.filter(verb="reminder.created"))
    assert events and all(e.system_actor == SystemActor.DAILY_REMINDERS and e.actor is None
                          for e in events)
    with scopes_disabled():
        robot = system_user(a.firm, SystemActor.DAILY_REMINDERS)
        assert not robot.is_active and not robot.has_usable_password()
        assert robot.role not in (User.Role.MANAGER, User.Role.CONSULTANT)
    assert robot not in list(_staff_page_users(a))


def _staff_page_users(a):
    from consultancy.tenancy.selectors import firm_staff

    with scopes_disabled():
        return firm_staff(firm=a.firm)


def _engagement_with_events(a, n):
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        advance_to(engagement, Stage.CONTRACTING)
        with transaction.atomic():
            for i in range(n):
                record_event(firm=a.firm, by=a.manager, verb="engagement.updated",
                             obj=engagement, engagement=engagement,
                             clause="4" if i % 2 else "7")
    return engagement


def test_the_timeline_shows_paginates_and_filters_by_clause(client, a):
    engagement = _engagement_with_events(a, 25)
    login(client, a.manager)
    url = reverse("engagements:activity", args=[engagement.pk])
    page = client.get(url).content.decode()
    assert 'id="activity"' in page
    assert page.count('class="activity-message"') == 20
    assert "activity_page=2" in page
    second = client.get(url + "?activity_page=2").content.decode()
    assert "将项目从“需求分析”推进到“沟通确认”" in second  # the oldest, in Chinese
    assert second.count('class="activity-message"') == 27 - 20  # 25 + 2 transitions
    only_7 = client.get(url + "?activity_clause=7").content.decode()
    assert only_7.count('class="activity-message"') == 13
    assert '<option value="7" selected>' in only_7


def test_the_timeline_costs_the_same_queries_however_many_events(client, a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = _engagement_with_events(a, 2)
    many = _engagement_with_events(a, 30)
    login(client, a.manager)

    def count(e):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("engagements:activity", args=[e.pk])).status_code == 200
        return len(ctx)

    count(few)
    assert count(many) <= count(few)


def test_the_portal_shows_the_client_visible_events_only(client, a, b):
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        advance_to(engagement, Stage.CONTRACTING)  # the portal shows it from the framework on
        with transaction.atomic():
            record_event(firm=a.firm, by=a.consultant, verb="plan.issued", obj=engagement,
                         engagement=engagement, clause="8.3.1", client_visible=True,
                         params={"version": 7})
            record_event(firm=a.firm, by=a.consultant, verb="engagement.updated",
                         obj=engagement, engagement=engagement, clause="4")
    url = reverse("portal:engagement_progress", args=[engagement.pk])
    login(client, a.contact.user)
    with translation.override("en"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    # the plan issued, not the internal acts (the transitions, the update)
    assert page.count('class="activity-message"') == 1
    assert "issued version 7 of the plan to the client" in page
    assert "changed the engagement" not in page and "moved the engagement" not in page
    assert "8.3.1" in page
    client.logout()
    with scopes_disabled():
        other_contact = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm),
                                               email="other@a.test")
    login(client, other_contact.user)
    assert client.get(url).status_code == 404
    client.logout()
    login(client, b.contact.user)
    assert client.get(url).status_code == 404


def test_the_dossier_ends_with_the_activity_log(a):
    from tests.dashboard.helpers import closed_engagement

    with scopes_disabled():
        closed = closed_engagement(a)
        spec = dossier_pdf_spec(closed)
        html = render_html(spec.template_name, {**spec.context, "firm": a.firm})
    assert spec.context["activity"]
    assert "活动记录" in html
    assert html.index('data-chapter="history"') < html.index('data-chapter="activity"')
    assert spec.context["activity"][0].message in html


def test_the_message_is_rendered_in_the_readers_language(a):
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        with transaction.atomic():
            event = record_event(firm=a.firm, by=a.consultant, verb="engagement.transition",
                                 obj=engagement, engagement=engagement, clause="5",
                                 params={"from": Stage.NEEDS_ANALYSIS,
                                         "to": Stage.COMMUNICATION})
    with translation.override("en"):
        english = describe(event)
    chinese = describe(event)  # the default language
    assert english == (f"{a.consultant} moved the engagement from Needs analysis to "
                       "Communication and confirmation")
    assert "需求分析" in chinese and "moved" not in chinese


def test_the_engagement_page_in_english_for_an_english_user(client, a):
    engagement = _engagement_with_events(a, 1)
    with scopes_disabled():
        a.manager.language = "en"
        a.manager.save()
    login(client, a.manager)
    page = client.get(reverse("engagements:activity", args=[engagement.pk])).content.decode()
    assert "moved the engagement from Needs analysis" in page


def test_a_lockout_is_logged_for_the_users_firm(client, a, settings):
    from axes.signals import user_locked_out

    user_locked_out.send("axes", request=None, username=a.consultant.email, ip_address="")
    user_locked_out.send("axes", request=None, username="nobody@nowhere.test", ip_address="")
    with scopes_disabled():
        events = list(Event.objects.filter(verb="login.locked_out"))
    assert len(events) == 1
    assert events[0].firm_id == a.firm.pk
    assert events[0].system_actor == SystemActor.LOGIN_PROTECTION


def test_every_kind_of_record_names_its_clause():
    """record_save and record_delete file their events under the record's clause."""
    from engagements.models import EngagementRecord

    kinds = [m for m in apps.get_models() if issubclass(m, EngagementRecord)]
    assert kinds
    assert [m.__name__ for m in kinds if not m.clause] == []


def test_a_record_saved_and_deleted_carries_its_clause(a):
    from engagements.services import record_delete, record_save

    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                           origin="proactive"), Stage.COMMUNICATION)
        visit = f.SiteVisitFactory.build(engagement=e, firm=a.firm, created_by=a.consultant)
        record_save(record=visit, by=a.consultant)
        record_delete(record=visit, by=a.consultant)
        events = {ev.verb: ev for ev in Event.objects.filter(engagement_id=e.pk,
                                                              verb__startswith="record.")}
    assert events["record.saved"].clause == events["record.deleted"].clause == "6.1"


def test_the_timeline_names_the_actor_once_per_run_of_their_events(client, a):
    """Three runs (the consultant, the manager, the consultant again): three actor rows,
    and no message repeats the name the run shows."""
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        with transaction.atomic():
            for by in (a.consultant, a.consultant, a.manager, a.manager, a.manager,
                       a.consultant):
                record_event(firm=a.firm, by=by, verb="engagement.updated", obj=engagement,
                             engagement=engagement, clause="4")
    login(client, a.manager)
    page = client.get(reverse("engagements:activity", args=[engagement.pk])).content.decode()
    timeline = page[page.index('id="activity"'):]
    timeline = timeline[:timeline.index("</section>")]
    assert timeline.count("activity-actor") == 3
    assert timeline.count('class="activity-message"') == 6
    assert timeline.count(a.consultant.full_name) == 2
    assert timeline.count(a.manager.full_name) == 1
