"""The calendar page (month and week), the private link's settings, and the iCalendar
feed itself (no log-in: the secret link is the key; a revoked or unknown one is 404)."""

import calendar as pycalendar
import datetime

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultancy.tenancy.mixins import firm_staff_required
from consultancy.tenancy.scoping import firm_scope

from . import selectors, services
from .models import CalendarFeed

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400
_TOKEN_KEY = "agenda_new_feed_token"


def _day(value, default):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _month_bounds(day):
    first = day.replace(day=1)
    last = day.replace(day=pycalendar.monthrange(day.year, day.month)[1])
    start = first - datetime.timedelta(days=first.weekday())
    end = last + datetime.timedelta(days=6 - last.weekday())
    return first, last, start, end


def _shift_month(day, months):
    month = day.month - 1 + months
    year = day.year + month // 12
    return datetime.date(year, month % 12 + 1, 1)


@firm_staff_required
def calendar(request):
    user = request.user
    today = timezone.localdate()
    view = "week" if request.GET.get("view") == "week" else "month"
    day = _day(request.GET.get("date"), today)
    firm_wide = user.is_manager and request.GET.get("scope") == "firm"
    if view == "month":
        first, last, start, end = _month_bounds(day)
        prev_day, next_day = _shift_month(day, -1), _shift_month(day, 1)
    else:
        start = day - datetime.timedelta(days=day.weekday())
        end = start + datetime.timedelta(days=6)
        first, last = start, end
        prev_day, next_day = start - datetime.timedelta(days=7), start + datetime.timedelta(days=7)
    found = selectors.items(user, start, end, firm_wide=firm_wide)
    by_day: dict = {}
    for item in found:
        by_day.setdefault(item.day, []).append(item)
    days = []
    d = start
    while d <= end:
        days.append({"day": d, "items": by_day.get(d, []), "today": d == today,
                     "in_range": first <= d <= last})
        d += datetime.timedelta(days=1)
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    token = request.session.pop(_TOKEN_KEY, None)
    feed_url = ""
    if token:
        feed_url = request.build_absolute_uri(reverse("agenda:feed", args=[token]))
    return render(request, "agenda/calendar.html", {
        "view": view, "day": day, "first": first, "last": last, "weeks": weeks,
        "days_with_items": [d for d in days if d["items"] and d["in_range"]],
        "count": sum(len(d["items"]) for d in days if d["in_range"]),
        "firm_wide": firm_wide, "scope": "firm" if firm_wide else "mine",
        "prev_day": prev_day, "next_day": next_day, "today": today,
        "weekdays": [datetime.date(2026, 1, 5) + datetime.timedelta(days=i) for i in range(7)],
        "kinds": selectors.KINDS,
        "feed": selectors.active_feed(user), "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://", 1).replace(
            "http://", "webcal://", 1) if feed_url else "",
    })


@firm_staff_required
@require_POST
def feed_link(request):
    if request.POST.get("action") == "revoke":
        if services.feed_revoke(user=request.user):
            messages.success(request, _("Your calendar link is revoked: calendars subscribed "
                                        "to it get nothing more."))
    else:
        _feed, token = services.feed_create(user=request.user)
        request.session[_TOKEN_KEY] = token
        messages.success(request, _("A new private calendar link is ready (below). Any "
                                    "earlier link no longer works."))
    return redirect(f"{reverse('agenda:calendar')}#feed")


def feed(request, token):
    """The user's own items (their engagements, their firm only) as iCalendar."""
    found = selectors.find_feed(token)
    if found is None:
        raise Http404
    firm_id, feed_id = found
    with firm_scope(firm_id):
        row = CalendarFeed.objects.select_related("user").filter(pk=feed_id).first()
        if row is None or not row.is_active:
            raise Http404
        user = row.user
        if not user.is_active or not user.is_firm_staff or user.firm_id != firm_id:
            raise Http404
        today = timezone.localdate()
        with translation.override(user.language or settings.LANGUAGE_CODE):
            found_items = selectors.items(user, today - datetime.timedelta(days=FEED_PAST_DAYS),
                                          today + datetime.timedelta(days=FEED_FUTURE_DAYS))
            body = _ical(found_items, user, firm_id)
        services.feed_read(row)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _ical(found_items, user, firm_id) -> bytes:
    import icalendar

    site = settings.SITE_URL.rstrip("/")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Safety Consulting Workbench//calendar//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Safety consulting: %(name)s") % {"name": user.full_name})
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for item in found_items:
        event = icalendar.Event()
        event.add("uid", f"{item.key}@firm-{firm_id}.calendar")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + datetime.timedelta(days=1))
        event.add("summary", f"{item.kind_label}：{item.title}"
                  if translation.get_language().startswith("zh")
                  else f"{item.kind_label}: {item.title}")
        event.add("url", site + item.url)
        event.add("description", site + item.url)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


# -- chat group robots -----------------------------------------------------------------


def _chat_targets(user):
    from consultancy.notifications.models import ChatWebhook

    hooks = {(h.user_id is None, h.platform): h for h in ChatWebhook.objects.filter(
        firm_id=user.firm_id).filter(Q(user=user) | Q(user__isnull=True))}
    targets = []
    for firm_wide in ([False, True] if user.is_manager else [False]):
        for platform, label in ChatWebhook.Platform.choices:
            targets.append({"firm_wide": firm_wide, "platform": platform, "label": label,
                            "prefix": f"{'firm' if firm_wide else 'me'}-{platform}",
                            "hook": hooks.get((firm_wide, platform))})
    return targets


def _last_tests(targets):
    """Each robot's last test message and how it went (the notice ledger), one query."""
    from consultancy.notifications.chat import TEST_KIND, test_address
    from consultancy.notifications.models import Delivery

    addresses = {test_address(t["hook"]): t for t in targets if t["hook"]}
    if not addresses:
        return
    for row in (Delivery.objects.filter(kind=TEST_KIND, address__in=list(addresses))
                .order_by("-created_at", "-pk")[:100]):
        addresses[row.address].setdefault("last_test", row)


def _chat_test(request, targets, chosen):
    """'Send a test message': the robot gets it from a background job; the page says so."""
    target = next((t for t in targets if t["prefix"] == chosen and t["hook"]), None)
    if target is None:
        raise Http404
    services.chat_webhook_test(by=request.user, platform=target["platform"],
                               firm_wide=target["firm_wide"],
                               link=settings.SITE_URL.rstrip("/") + reverse("agenda:chat"))
    messages.success(request, _(
        "A test message is on its way to the robot of %(platform)s; it should arrive within "
        "a minute. Reload this page to see whether the platform took it.")
        % {"platform": target["label"]})
    return redirect("agenda:chat")


@firm_staff_required
def chat_robots(request):
    """The person's own WeChat Work and DingTalk group robots and, for managers, the
    firm's: where staff notices also go."""
    from .forms import ChatWebhookForm

    targets = _chat_targets(request.user)
    if request.method == "POST" and "test" in request.POST:
        return _chat_test(request, targets, request.POST["test"])
    _last_tests(targets)
    removing = request.method == "POST" and "remove" in request.POST
    chosen = (request.POST.get("remove") if removing else request.POST.get("target")) \
        if request.method == "POST" else None
    for t in targets:
        hook = t["hook"]
        initial = {"url": hook.url, "secret": hook.secret, "is_active": hook.is_active} \
            if hook else {"is_active": True}
        bound = t["prefix"] == chosen and not removing
        t["form"] = ChatWebhookForm(request.POST if bound else None, platform=t["platform"],
                                    prefix=t["prefix"], initial=initial)
        if t["prefix"] == chosen:
            if removing:
                services.chat_webhook_remove(by=request.user, platform=t["platform"],
                                             firm_wide=t["firm_wide"])
                messages.success(request, _("The robot is removed."))
                return redirect("agenda:chat")
            if t["form"].is_valid():
                data = t["form"].cleaned_data
                services.chat_webhook_save(by=request.user, platform=t["platform"],
                                           firm_wide=t["firm_wide"], url=data["url"],
                                           secret=data.get("secret", ""),
                                           is_active=data["is_active"])
                messages.success(request, _("Saved: the next notices go to this robot too."))
                return redirect("agenda:chat")
    if chosen is not None and not any(t["prefix"] == chosen for t in targets):
        raise Http404
    return render(request, "agenda/chat_robots.html", {"targets": targets})
