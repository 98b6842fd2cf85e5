"""What can be imported, the columns of each, and how each row is checked and imported.

A kind checks all the rows of a file in a fixed number of queries (it reads the firm's
existing keys once), finds the duplicates within the file and against the firm's data,
and imports a clean row through the owning app's service: ``client_create``,
``client_contact_create``, ``feedback.history.history_engagement_import``.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultancy.clients import services as client_services
from consultancy.clients.models import Client, ClientContact
from consultancy.clients.validators import normalize_uscc, validate_uscc
from consultancy.tenancy.models import User
from engagements.models import Engagement, ServiceType
from feedback.history import HistoricalResponse, history_engagement_import
from feedback.models import SurveyQuestion
from feedback.services import question_set_for

from .models import ImportBatch


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # lazy: the header in the template, in the user's language
    required: bool = False
    note: object = ""
    aliases: tuple = ()
    literal: bool = False  # the header is a text of the firm's (a survey question), as is


@dataclass
class RowCheck:
    row: int
    values: dict
    cleaned: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_PARENS = re.compile(r"[（(【\[].*?[)）】\]]")


def normalize_header(text: str) -> str:
    text = _PARENS.sub("", str(text or ""))
    return re.sub(r"[\s*＊:：_\-]", "", text).lower()


def header_keys(column) -> set:
    if column.literal:
        return {normalize_header(column.header), normalize_header(column.key)}
    keys = {normalize_header(column.key), *(normalize_header(a) for a in column.aliases)}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            keys.add(normalize_header(str(column.header)))
    return keys


def choice_value(choices, text):
    """A choice by its stored value or its label in either language (None: no match)."""
    wanted = normalize_header(text)
    for value, label in choices:
        if wanted == normalize_header(value):
            return value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                if wanted == normalize_header(str(label)):
                    return value
    return None


def _messages(exc: ValidationError, labels: dict) -> list[str]:
    if hasattr(exc, "error_dict"):
        out = []
        for name, errors in exc.error_dict.items():
            label = labels.get(name, name)
            out.extend(f"{label}: {m}" for e in errors for m in e.messages)
        return out
    return list(exc.messages)


def _length_errors(model, values: dict, names) -> list[str]:
    """The model's own field checks (length, format) of ``names``, without queries."""
    errors = []
    for name in names:
        if not values.get(name):
            continue  # a missing value has its own message
        model_field = model._meta.get_field(name)
        try:
            model_field.clean(values.get(name, ""), None)
        except ValidationError as exc:
            errors.extend(f"{model_field.verbose_name}: {m}" for m in exc.messages)
    return errors


def _duplicates(checks, key_of, message):
    groups = defaultdict(list)
    for check in checks:
        key = key_of(check)
        if key:
            groups[key].append(check.row)
    for check in checks:
        rows = groups.get(key_of(check)) or []
        if len(rows) > 1:
            others = ", ".join(str(r) for r in rows if r != check.row)
            check.errors.append(message % {"rows": others})


def parse_day(text: str):
    text = (text or "").strip()
    if not text:
        return None
    text = text.split(" ")[0]
    match = re.fullmatch(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?", text)
    if match:
        try:
            return datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    try:
        return parse_date(text)
    except ValueError:
        return None


class Kind:
    key: str
    manager_only = False

    def columns(self, firm) -> list[Column]:
        raise NotImplementedError

    def check(self, firm, rows) -> list[RowCheck]:
        raise NotImplementedError

    def import_row(self, firm, by, cleaned) -> None:
        raise NotImplementedError

    @property
    def label(self):
        return ImportBatch.Kind(self.key).label


# The words firms' own lists use for the industries of the client form.
INDUSTRY_WORDS = {
    "化工": "chemical", "危化": "chemical", "危险化学品": "chemical", "石化": "chemical",
    "建筑": "construction", "建筑施工": "construction", "施工": "construction",
    "仓储": "warehousing", "物流": "warehousing", "仓储物流": "warehousing",
    "机械": "manufacturing", "制造": "manufacturing", "机械制造": "manufacturing",
    "冶金": "metallurgy", "有色": "metallurgy", "钢铁": "metallurgy",
    "建材": "building_materials", "轻工": "light_industry", "纺织": "light_industry",
    "矿山": "mining", "采矿": "mining", "非煤矿山": "mining", "商贸": "trade",
    "零售": "trade", "交通": "transport", "运输": "transport", "电力": "power",
    "公用事业": "power", "其他": "other", "其它": "other",
}


# Short names of the service types (clause 3's examples and 8.5.1).
SERVICE_WORDS = {
    "安全标准化": "standardization", "标准化": "standardization",
    "安全标准化咨询": "standardization", "安全生产标准化": "standardization",
    "台账": "ledgers", "安全台账": "ledgers", "顾问": "adviser", "安全顾问": "adviser",
    "双重预防": "risk_grading", "风险分级管控": "risk_grading", "其他": "other",
}


# -- clients --------------------------------------------------------------------------------


class Clients(Kind):
    key = ImportBatch.Kind.CLIENTS

    def columns(self, firm):
        return [
            Column("name", gettext_lazy("Client name"), True,
                   gettext_lazy("The enterprise's full registered name."),
                   ("客户名称", "企业名称", "单位名称", "公司名称", "名称", "company")),
            Column("uscc", gettext_lazy("Unified social credit code"), True,
                   gettext_lazy("18 characters, checked by GB 32100."),
                   ("统一社会信用代码", "信用代码", "社会信用代码", "uscc", "code")),
            Column("industry", gettext_lazy("Industry"), False,
                   gettext_lazy("One of the industries of the client form; empty: Other."),
                   ("行业", "所属行业")),
            Column("size", gettext_lazy("Size"), False,
                   gettext_lazy("Large, Medium, Small or Micro (大型、中型、小型、微型)."),
                   ("规模", "企业规模")),
            Column("address", gettext_lazy("Address"), aliases=("地址", "注册地址", "经营地址")),
            Column("phone", gettext_lazy("Phone"), aliases=("电话", "联系电话")),
            Column("notes", gettext_lazy("Notes"), aliases=("备注",)),
        ]

    def check(self, firm, rows):
        existing = dict(Client.objects.filter(firm=firm).values_list("uscc", "name"))
        checks = []
        for row in rows:
            values = row["values"]
            check = RowCheck(row["row"], values)
            cleaned = {k: values.get(k, "").strip() for k in ("name", "address", "phone",
                                                               "notes")}
            if not cleaned["name"]:
                check.errors.append(_("The client name is missing."))
            code = normalize_uscc(values.get("uscc", ""))
            cleaned["uscc"] = code
            if not code:
                check.errors.append(_("The unified social credit code is missing."))
            else:
                try:
                    validate_uscc(code)
                except ValidationError as exc:
                    check.errors.extend(f"{_('Unified social credit code')}: {m}"
                                        for m in exc.messages)
                if code in existing:
                    check.errors.append(_("Your firm already has this client: %(name)s.")
                                        % {"name": existing[code]})
            industry = values.get("industry", "").strip()
            cleaned["industry"] = (INDUSTRY_WORDS.get(industry)
                                   or choice_value(Client.Industry.choices, industry)
                                   if industry else Client.Industry.OTHER)
            if cleaned["industry"] is None:
                check.errors.append(_("Unknown industry “%(value)s”.") % {"value": industry})
            size = values.get("size", "").strip()
            size_aliases = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro"}
            cleaned["size"] = (size_aliases.get(size) or choice_value(Client.Size.choices, size)
                               if size else "")
            if cleaned["size"] is None:
                check.errors.append(_("Unknown size “%(value)s”.") % {"value": size})
            check.errors.extend(_length_errors(Client, cleaned, ("name", "address", "phone")))
            check.cleaned = cleaned
            checks.append(check)
        _duplicates(checks, lambda c: c.cleaned.get("uscc"),
                    _("The same unified social credit code is in row(s) %(rows)s of the file."))
        return checks

    def import_row(self, firm, by, cleaned):
        client_services.client_create(firm=firm, by=by, **cleaned)


# -- contacts -------------------------------------------------------------------------------


class Contacts(Kind):
    key = ImportBatch.Kind.CONTACTS

    def columns(self, firm):
        return [
            Column("client_uscc", gettext_lazy("Client's unified social credit code"), False,
                   gettext_lazy("The client must already be in the product (import the "
                                "clients first). Or give the client's name."),
                   ("客户统一社会信用代码", "统一社会信用代码", "信用代码", "uscc")),
            Column("client_name", gettext_lazy("Client name"), False,
                   gettext_lazy("Used when the code is empty; must be the exact name."),
                   ("客户名称", "企业名称", "单位名称", "公司名称")),
            Column("name", gettext_lazy("Contact name"), True, "",
                   ("姓名", "联系人", "联系人姓名", "name")),
            Column("position", gettext_lazy("Position"), aliases=("职务", "职位", "岗位")),
            Column("phone", gettext_lazy("Phone"), aliases=("电话", "手机", "联系电话")),
            Column("email", gettext_lazy("E-mail"),
                   note=gettext_lazy("Portal logins are given on the contact's page, one by "
                                     "one, not by import."),
                   aliases=("邮箱", "电子邮箱", "email")),
        ]

    def check(self, firm, rows):
        clients = list(Client.objects.filter(firm=firm).values_list("pk", "uscc", "name"))
        by_code = {code: (pk, name) for pk, code, name in clients}
        by_name = defaultdict(list)
        for pk, _code, name in clients:
            by_name[name].append(pk)
        names = {pk: name for pk, _code, name in clients}
        existing = set(ClientContact.objects.filter(firm=firm).values_list("client_id", "name"))
        checks = []
        for row in rows:
            values = row["values"]
            check = RowCheck(row["row"], values)
            code = normalize_uscc(values.get("client_uscc", ""))
            client_name = values.get("client_name", "").strip()
            client_id = None
            if code:
                if code in by_code:
                    client_id = by_code[code][0]
                else:
                    check.errors.append(_("No client of your firm has the credit code "
                                          "%(code)s: import or add the client first.")
                                        % {"code": code})
            elif client_name:
                found = by_name.get(client_name, [])
                if len(found) == 1:
                    client_id = found[0]
                elif not found:
                    check.errors.append(_("No client of your firm is named “%(name)s”: import "
                                          "or add the client first.") % {"name": client_name})
                else:
                    check.errors.append(_("Several clients are named “%(name)s”: give the "
                                          "credit code.") % {"name": client_name})
            else:
                check.errors.append(_("Give the client's credit code or name."))
            cleaned = {k: values.get(k, "").strip() for k in ("name", "position", "phone",
                                                               "email")}
            if not cleaned["name"]:
                check.errors.append(_("The contact's name is missing."))
            if cleaned["email"]:
                try:
                    validate_email(cleaned["email"])
                except ValidationError:
                    check.errors.append(_("“%(value)s” is not an e-mail address.")
                                        % {"value": cleaned["email"]})
            check.errors.extend(_length_errors(ClientContact, cleaned,
                                               ("name", "position", "phone")))
            if client_id and (client_id, cleaned["name"]) in existing:
                check.errors.append(_("%(client)s already has a contact named %(name)s.")
                                    % {"client": names[client_id], "name": cleaned["name"]})
            cleaned["client_id"] = client_id
            check.cleaned = cleaned
            checks.append(check)
        _duplicates(checks, lambda c: (c.cleaned.get("client_id"), c.cleaned.get("name"))
                    if c.cleaned.get("client_id") and c.cleaned.get("name") else None,
                    _("The same contact of the same client is in row(s) %(rows)s of the file."))
        return checks

    def import_row(self, firm, by, cleaned):
        cleaned = dict(cleaned)
        client = Client.objects.get(firm=firm, pk=cleaned.pop("client_id"))
        client_services.client_contact_create(firm=firm, client=client, by=by, is_active=True,
                                              **cleaned)


# -- history: closed engagements with their satisfaction scores (9.5) ----------------------


class History(Kind):
    key = ImportBatch.Kind.HISTORY
    manager_only = True

    def _questions(self, firm):
        question_set = question_set_for(firm)
        return list(question_set.questions.filter(is_active=True).order_by("order", "pk"))

    def columns(self, firm):
        columns = [
            Column("number", gettext_lazy("Engagement number"), True,
                   gettext_lazy("Your own number of the engagement; unique in your firm."),
                   ("项目编号", "编号", "合同编号")),
            Column("title", gettext_lazy("Title"), True, "", ("项目名称", "名称")),
            Column("client_uscc", gettext_lazy("Client's unified social credit code"), True,
                   gettext_lazy("The client must already be in the product."),
                   ("客户统一社会信用代码", "统一社会信用代码", "信用代码")),
            Column("service_type", gettext_lazy("Service type"), False,
                   gettext_lazy("Empty: Other."), ("服务类型", "咨询类型")),
            Column("lead", gettext_lazy("Lead consultant's e-mail"), True,
                   gettext_lazy("The login of one of your staff."),
                   ("项目负责人邮箱", "负责人邮箱", "负责人")),
            Column("surveyed_on", gettext_lazy("Survey date"), True,
                   gettext_lazy("When the client answered the satisfaction survey, e.g. "
                                "2025-06-30; not in the future."),
                   ("调查日期", "问卷日期", "评价日期")),
            Column("contact", gettext_lazy("Contact who answered"), False,
                   gettext_lazy("A contact of the client already in the product; empty: the "
                                "client's only contact."),
                   ("答卷人", "联系人", "评价人")),
        ]
        for q in self._questions(firm):
            note = {SurveyQuestion.Kind.SCALE_1_5: gettext_lazy("A score from 1 to 5."),
                    SurveyQuestion.Kind.NPS_0_10: gettext_lazy("A score from 0 to 10."),
                    SurveyQuestion.Kind.TEXT: gettext_lazy("Free text.")}[q.kind]
            columns.append(Column(f"q_{q.code}", q.label, False, note, literal=True))
        return columns

    def check(self, firm, rows):
        today = timezone.localdate()
        questions = self._questions(firm)
        clients = {code: pk for pk, code in
                   Client.objects.filter(firm=firm).values_list("pk", "uscc")}
        numbers = [r["values"].get("number", "").strip() for r in rows]
        taken = set(Engagement.objects.filter(firm=firm, number__in=numbers)
                    .values_list("number", flat=True))
        staff = {e.lower(): pk for pk, e in User.objects.filter(
            firm=firm, is_active=True, role__in=[User.Role.MANAGER, User.Role.CONSULTANT])
            .values_list("pk", "email")}
        contacts = defaultdict(list)
        for pk, client_id, name in ClientContact.objects.filter(
                firm=firm, is_active=True).values_list("pk", "client_id", "name"):
            contacts[client_id].append((pk, name))
        # the firm's own list of service types: by its code, or its name in either language
        service_types = [(code, label) for code, name, name_en in ServiceType.objects.filter(
            firm=firm).values_list("code", "name", "name_en") for label in (name, name_en)
            if label]
        known_codes = {code for code, _label in service_types}
        checks = []
        for row in rows:
            values = row["values"]
            check = RowCheck(row["row"], values)
            cleaned = {"number": values.get("number", "").strip(),
                       "title": values.get("title", "").strip()}
            if not cleaned["number"]:
                check.errors.append(_("The engagement number is missing."))
            elif cleaned["number"] in taken:
                check.errors.append(_("Your firm already has an engagement numbered "
                                      "%(number)s.") % {"number": cleaned["number"]})
            if not cleaned["title"]:
                check.errors.append(_("The title is missing."))
            check.errors.extend(_length_errors(Engagement, cleaned, ("title",)))
            if len(cleaned["number"]) > 20:
                check.errors.append(_("The engagement number has more than 20 characters."))
            code = normalize_uscc(values.get("client_uscc", ""))
            client_id = clients.get(code)
            if client_id is None:
                check.errors.append(_("No client of your firm has the credit code "
                                      "%(code)s: import or add the client first.")
                                    % {"code": code or "—"})
            cleaned["client_id"] = client_id
            service = values.get("service_type", "").strip()
            word = SERVICE_WORDS.get(service)
            cleaned["service_type"] = ((word if word in known_codes else None)
                                       or choice_value(service_types, service)
                                       if service else "other")
            if cleaned["service_type"] is None:
                check.errors.append(_("Unknown service type “%(value)s”.") % {"value": service})
            lead = values.get("lead", "").strip().lower()
            cleaned["lead_id"] = staff.get(lead)
            if cleaned["lead_id"] is None:
                check.errors.append(_("“%(value)s” is not the e-mail of one of your active "
                                      "staff.") % {"value": lead or "—"})
            day = parse_day(values.get("surveyed_on", ""))
            if day is None:
                check.errors.append(_("The survey date is missing or not a date (write it "
                                      "like 2025-06-30)."))
            elif day > today:
                check.errors.append(_("The survey date is in the future."))
            cleaned["surveyed_on"] = day.isoformat() if day else ""
            people = contacts.get(client_id, []) if client_id else []
            wanted = values.get("contact", "").strip()
            match = [pk for pk, name in people if name == wanted] if wanted else (
                [people[0][0]] if len(people) == 1 else [])
            cleaned["contact_id"] = match[0] if len(match) == 1 else None
            if client_id and cleaned["contact_id"] is None:
                check.errors.append(
                    _("No contact of this client is named “%(name)s”.") % {"name": wanted}
                    if wanted else _("Name the contact who answered (the client has "
                                     "%(n)d contacts).") % {"n": len(people)})
            answers = {}
            for q in questions:
                raw = values.get(f"q_{q.code}", "").strip()
                if not raw:
                    continue
                if q.kind == SurveyQuestion.Kind.TEXT:
                    answers[q.code] = raw
                    continue
                low, high = q.range
                try:
                    score = int(float(raw))
                    if float(raw) != score or not low <= score <= high:
                        raise ValueError
                except ValueError:
                    check.errors.append(_("“%(q)s”: %(value)s is not a whole number from "
                                          "%(low)s to %(high)s.") % {"q": q.label,
                                                                      "value": raw,
                                                                      "low": low, "high": high})
                    continue
                answers[q.code] = score
            if not any(isinstance(v, int) for v in answers.values()):
                check.errors.append(_("No satisfaction score in the row."))
            cleaned["answers"] = answers
            check.cleaned = cleaned
            checks.append(check)
        _duplicates(checks, lambda c: c.cleaned.get("number"),
                    _("The same engagement number is in row(s) %(rows)s of the file."))
        return checks

    def import_row(self, firm, by, cleaned):
        tz = timezone.get_current_timezone()
        day = datetime.date.fromisoformat(cleaned["surveyed_on"])
        surveyed_at = min(datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=tz),
                          timezone.now())
        contact = ClientContact.objects.get(firm=firm, pk=cleaned["contact_id"])
        history_engagement_import(
            firm=firm, by=by, number=cleaned["number"], title=cleaned["title"],
            client=Client.objects.get(firm=firm, pk=cleaned["client_id"]),
            service_type=cleaned["service_type"],
            lead=User.objects.get(firm=firm, pk=cleaned["lead_id"]),
            surveyed_at=surveyed_at,
            responses=[HistoricalResponse(contact, surveyed_at, cleaned["answers"])])


KINDS = {kind.key: kind for kind in (Clients(), Contacts(), History())}


def kinds_for(user) -> list[Kind]:
    return [k for k in KINDS.values() if user.is_manager or not k.manager_only]
