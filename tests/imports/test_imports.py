"""Excel/CSV import of clients, contacts and closed engagements with their satisfaction
scores: a template, a preview with every row's errors (GB 32100, duplicates in the file and
against the firm), nothing imported until the file is clean or only the clean rows are
asked for, each import in the activity log."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from consultancy.activity.models import Event, SystemActor
from consultancy.clients.models import Client, ClientContact
from consultancy.imports import services
from consultancy.imports.models import ImportBatch
from engagements.models import Engagement
from engagements.stages import Stage
from feedback.models import SurveyAnswer, SurveyResponse
from tests import factories as f
from tests.conftest import login, zh
from tests.scoping import scopes_disabled
from tests.uploads import ooxml_bytes, png_bytes

START = reverse("imports:start")
CLIENT_HEADERS = ["客户名称", "统一社会信用代码", "行业", "规模", "地址"]
BAD_USCC = "91320500MA1X0000X9"  # the check character should be something else


def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, kind, content, name="客户.xlsx"):
    return client.post(START, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def _batch(resp):
    assert resp.status_code == 302, resp.context and resp.context["form"].errors
    with scopes_disabled():
        return ImportBatch.objects.get(pk=int(resp.url.rstrip("/").split("/")[-1]))


def clean_rows(n, start=1):
    return [[f"导入客户{i}有限公司", f.make_uscc(9000 + i), "化工", "中型", f"苏州路{i}号"]
            for i in range(start, start + n)]


def test_an_invalid_credit_code_row_makes_the_whole_file_refused_and_nothing_imported(
        client, a, b):
    login(client, a.consultant)
    rows = clean_rows(3) + [["错误代码有限公司", BAD_USCC, "化工", "", ""]]
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, rows)))
    resp = client.get(batch.get_absolute_url())
    assert resp.status_code == 200
    assert resp.context["bad"] == 1 and resp.context["clean"] == 3
    error_rows = [c for c in resp.context["page_obj"].object_list]
    assert [c.row for c in error_rows] == [5]
    assert any("GB 32100" in e for e in error_rows[0].errors)
    assert 'id="import-all"' in resp.text and "disabled" in resp.text.split('id="import-all"')[1][:200]
    resp = client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "all"}, follow=True)
    assert zh("Nothing was imported: %(n)d row(s) have errors. Correct them in the file and "
              "upload it again, or import only the clean rows.", n=1) in resp.text
    with scopes_disabled():
        assert not Client.objects.filter(name__startswith="导入客户").exists()
        assert not Client.objects.filter(name="错误代码有限公司").exists()
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEW
        assert not Event.objects.filter(verb="import.done").exists()


def test_the_clean_rows_import_imports_exactly_those(client, a, b):
    login(client, a.consultant)
    rows = clean_rows(3) + [["错误代码有限公司", BAD_USCC, "化工", "", ""]]
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, rows)))
    resp = client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "clean"})
    assert resp.status_code == 302
    with scopes_disabled():
        imported = set(Client.objects.filter(firm=a.firm, name__startswith="导入客户")
                       .values_list("name", flat=True))
        assert imported == {"导入客户1有限公司", "导入客户2有限公司", "导入客户3有限公司"}
        assert not Client.objects.filter(name="错误代码有限公司").exists()
        assert not Client.objects.filter(firm=b.firm, name__startswith="导入客户").exists()
        c1 = Client.objects.get(name="导入客户1有限公司")
        assert c1.industry == "chemical" and c1.size == "medium" and c1.name_initials == "drkh1yxgs"
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED
        assert batch.imported_rows == [2, 3, 4] and batch.skipped_rows == [5]
        done = Event.objects.get(verb="import.done")
        assert done.actor == a.consultant and done.params["imported"] == 3
        # each client was written by the service, with its own event by the same user
        assert Event.objects.filter(verb="client.created", actor=a.consultant).count() == 3
    # importing the same batch again is refused (a 409), and imports nothing more
    resp = client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "clean"})
    assert resp.status_code == 409


def test_a_clean_file_imports_whole(client, a):
    login(client, a.consultant)
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, clean_rows(4))))
    resp = client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "all"}, follow=True)
    assert resp.status_code == 200 and 'id="import-done"' in resp.text
    with scopes_disabled():
        assert Client.objects.filter(firm=a.firm, name__startswith="导入客户").count() == 4


def test_duplicates_in_the_file_and_against_the_firm_are_errors(client, a, b):
    login(client, a.consultant)
    rows = clean_rows(2) + [["又一个有限公司", f.make_uscc(9001), "", "", ""],  # = row 2
                            ["已有客户", a.client.uscc, "", "", ""],
                            ["乙方的客户", b.client.uscc, "", "", ""]]  # another firm's: fine
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, rows)))
    with scopes_disabled():
        checks = {c.row: c for c in services.import_check(batch)}
    assert checks[2].errors and checks[4].errors  # both rows of the duplicated code
    assert "4" in " ".join(checks[2].errors) and "2" in " ".join(checks[4].errors)
    assert checks[3].ok
    assert any(a.client.name in e for e in checks[5].errors)
    assert checks[6].ok


def test_csv_in_gbk_with_english_headers_is_read(client, a):
    login(client, a.consultant)
    text = ("Client name,Unified social credit code,Industry\r\n"
            f"广州英文表头有限公司,{f.make_uscc(9100)},Construction\r\n")
    batch = _batch(upload(client, "clients", text.encode("gb18030"), "clients.csv"))
    with scopes_disabled():
        (check,) = services.import_check(batch)
    assert check.ok and check.cleaned["industry"] == "construction"
    assert batch.file_type == "csv"


@pytest.mark.parametrize("name,content,message", [
    ("clients.xlsx", png_bytes(), "This file is a %(type)s, not an Excel workbook (.xlsx) or a "
                                  "CSV file."),
    ("clients.xlsx", ooxml_bytes("xlsx", extra={"xl/vbaProject.bin": b"x"}), None),
    ("clients.csv", b"\x00\x01binary", "This file is neither an Excel workbook (.xlsx) nor a "
                                       "CSV text file."),
    ("clients.csv", "名称,代码\n<script>alert(1)</script>,x\n".encode(), None),
])
def test_files_are_typed_by_their_content(client, a, name, content, message):
    login(client, a.consultant)
    resp = upload(client, "clients", content, name)
    assert resp.status_code == 200
    assert resp.context["form"].errors["file"]
    if message:
        assert zh(message, type="PNG") in resp.text
    with scopes_disabled():
        assert not ImportBatch.objects.exists()


def test_a_file_without_the_required_columns_says_which(client, a):
    login(client, a.consultant)
    resp = upload(client, "clients", xlsx(["名称", "地址"], [["某公司", "某地"]]))
    assert resp.status_code == 200
    assert "统一社会信用代码" in str(resp.context["form"].errors["file"])


def test_contacts_are_imported_to_existing_clients(client, a, b):
    login(client, a.consultant)
    headers = ["客户统一社会信用代码", "姓名", "职务", "电子邮箱"]
    rows = [[a.client.uscc, "周安全", "安全科长", "zhou@client.test"],
            [b.client.uscc, "外人", "", ""],  # another firm's client: unknown here
            [a.client.uscc, a.contact.name, "", ""],  # already there
            [a.client.uscc, "钱坏邮箱", "", "not-an-email"]]
    batch = _batch(upload(client, "contacts", xlsx(headers, rows)))
    with scopes_disabled():
        checks = {c.row: c for c in services.import_check(batch)}
    assert checks[2].ok
    assert not checks[3].ok and not checks[4].ok and not checks[5].ok
    client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "clean"})
    with scopes_disabled():
        contact = ClientContact.objects.get(name="周安全")
        assert contact.client == a.client and contact.user is None
        assert not ClientContact.objects.filter(name="外人").exists()


def _history_headers():
    return ["项目编号", "项目名称", "客户统一社会信用代码", "服务类型", "项目负责人邮箱",
            "调查日期", "答卷人", "总体满意度", "咨询人员的专业能力",
            "您向其他企业推荐我们的可能性有多大？（0–10）", "其他意见和建议"]


def test_history_imports_closed_engagements_with_their_scores(client, a, b):
    login(client, a.manager)
    rows = [["2024-H01", "安全标准化咨询（历史）", a.client.uscc, "安全标准化咨询",
             a.consultant.email, "2024-06-30", a.contact.name, 5, 4, 9, "满意"],
            ["2024-H02", "未来的项目", a.client.uscc, "", a.consultant.email, "2099-01-01",
             a.contact.name, 4, 4, 8, ""],
            ["2024-H03", "分数越界", a.client.uscc, "", b.consultant.email, "2024-05-01",
             a.contact.name, 7, "", "", ""]]
    batch = _batch(upload(client, "history", xlsx(_history_headers(), rows), "历史.xlsx"))
    with scopes_disabled():
        checks = {c.row: c for c in services.import_check(batch)}
    assert checks[2].ok, checks[2].errors
    with translation.override("zh-hans"):
        assert gettext("The survey date is in the future.") in checks[3].errors
    assert len(checks[4].errors) >= 2  # a score of 7 of 5, and another firm's consultant
    resp = client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "clean"})
    assert resp.status_code == 302
    with scopes_disabled():
        e = Engagement.objects.get(firm=a.firm, number="2024-H01")
        assert e.stage == Stage.CLOSED and e.lead_consultant == a.consultant
        response = SurveyResponse.objects.get(engagement=e)
        scores = dict(SurveyAnswer.objects.filter(response=response)
                      .values_list("question__code", "score"))
        assert scores["overall"] == 5 and scores["competence"] == 4 and scores["recommend"] == 9
        assert SurveyAnswer.objects.get(response=response, question__code="comments").text == "满意"
        assert not Engagement.objects.filter(number__in=["2024-H02", "2024-H03"]).exists()
        imported = Event.objects.get(verb="engagement.imported", engagement_id=e.pk)
        assert imported.actor == a.manager and imported.clause == "9.5"


def test_history_is_for_managers_only(client, a):
    login(client, a.consultant)
    assert client.get(reverse("imports:template", args=["history", "xlsx"])).status_code == 404
    resp = upload(client, "history", xlsx(_history_headers(), []))
    assert resp.status_code == 200 and resp.context["form"].errors["kind"]


def test_templates_list_the_columns_and_never_write_a_formula(client, a):
    from feedback.models import SurveyQuestion
    from feedback.services import question_set_for

    with scopes_disabled():
        question_set = question_set_for(a.firm)
        SurveyQuestion.objects.create(firm=a.firm, question_set=question_set, code="evil",
                                      kind="scale_1_5", label_zh="=HYPERLINK(\"x\")", order=99)
    login(client, a.manager)
    resp = client.get(reverse("imports:template", args=["clients", "xlsx"]))
    sheet = load_workbook(io.BytesIO(resp.content)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["客户名称*", "统一社会信用代码*"]
    resp = client.get(reverse("imports:template", args=["history", "xlsx"]))
    sheet = load_workbook(io.BytesIO(resp.content)).worksheets[0]
    evil = next(c for c in sheet[1] if str(c.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s" and evil.quotePrefix
    resp = client.get(reverse("imports:template", args=["history", "csv"]))
    assert "'=HYPERLINK" in resp.content.decode("utf-8-sig")
    # the template read back is a valid (empty) file for its own kind
    resp = client.get(reverse("imports:template", args=["clients", "xlsx"]))
    assert upload(client, "clients", resp.content).context["form"].errors["file"]  # no rows


def test_the_errors_workbook_goes_through_the_formula_guard(client, a):
    login(client, a.consultant)
    rows = [["=1+1", BAD_USCC, "", "", "@SUM(A1)"]]
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, rows)))
    resp = client.get(batch.get_absolute_url(), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(resp.content)).worksheets[0]
    cells = [c for c in sheet[2]]
    formula_like = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=@"]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)


def test_another_firms_import_is_a_404(client, a, b):
    login(client, b.manager)
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, clean_rows(1))))
    login(client, a.manager)
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.post(reverse("imports:commit", args=[batch.pk]),
                       {"mode": "all"}).status_code == 404
    assert batch.file_name not in client.get(START).text


def test_a_large_file_is_imported_by_the_import_system_actor(
        client, a, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "SYNC_ROWS", 2)
    login(client, a.consultant)
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, clean_rows(3))))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "all"})
    with scopes_disabled():
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED  # Celery runs eagerly here
        assert Client.objects.filter(firm=a.firm, name__startswith="导入客户").count() == 3
        assert Event.objects.get(verb="import.queued").actor == a.consultant
        done = Event.objects.get(verb="import.done")
        assert done.actor is None and done.system_actor == SystemActor.IMPORT


def test_preview_query_count_does_not_grow_with_rows(client, a):
    login(client, a.consultant)

    def count(n):
        batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, clean_rows(n))))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(batch.get_absolute_url(), {"show": "all"}).status_code == 200
        return len(ctx)

    assert count(5) == count(50) <= 12


def test_pages_answer_staff_only(client, a):
    login(client, a.contact.user)
    assert client.get(START).status_code == 404
    client.logout()
    assert client.get(START).status_code == 302


def test_zip_of_no_office_kind_is_refused(client, a):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    login(client, a.consultant)
    assert upload(client, "clients", buf.getvalue()).context["form"].errors["file"]


def test_the_history_service_refuses_a_taken_number_the_future_and_a_stranger(a, b):
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from feedback.history import HistoricalResponse, history_engagement_import

    now = timezone.now()
    with scopes_disabled():
        taken = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        base = dict(firm=a.firm, by=a.manager, title="历史项目", client=a.client,
                    service_type="other", lead=a.consultant)
        ok = [HistoricalResponse(a.contact, now - datetime.timedelta(days=1), {"overall": 4})]
        with pytest.raises(ValidationError):
            history_engagement_import(number=taken.number, surveyed_at=now, responses=ok,
                                      **base)
        with pytest.raises(ValidationError):
            history_engagement_import(number="H-F", responses=ok,
                                      surveyed_at=now + datetime.timedelta(days=2), **base)
        from consultancy.tenancy.scoping import CrossFirmReference

        with pytest.raises(CrossFirmReference):
            history_engagement_import(
                number="H-X", surveyed_at=now - datetime.timedelta(days=2),
                responses=[HistoricalResponse(b.contact, now, {"overall": 4})], **base)
        e = history_engagement_import(number="H-OK", surveyed_at=now - datetime.timedelta(days=2),
                                      responses=ok, **base)
        assert e.stage == Stage.CLOSED
        assert not Engagement.objects.filter(number__in=["H-F", "H-X"]).exists()


def test_a_double_upload_and_a_double_import_act_once(client, a):
    from consultancy.tenancy import once

    login(client, a.consultant)
    token = once.issue(a.consultant)
    content = xlsx(CLIENT_HEADERS, clean_rows(2))
    data = lambda: {"kind": "clients", "file": SimpleUploadedFile("c.xlsx", content),  # noqa: E731
                    once.FIELD: token}
    first = client.post(START, data())
    second = client.post(START, data())
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    batch = _batch(first)
    token = once.issue(a.consultant)
    url = reverse("imports:commit", args=[batch.pk])
    client.post(url, {"mode": "all", once.FIELD: token})
    client.post(url, {"mode": "all", once.FIELD: token})
    with scopes_disabled():
        assert ImportBatch.objects.count() == 1
        assert Client.objects.filter(firm=a.firm, name__startswith="导入客户").count() == 2
        assert Event.objects.filter(verb="import.done").count() == 1


def test_a_double_resend_sends_once(client, a, django_capture_on_commit_callbacks):
    from django.core import mail

    from consultancy.tenancy import once

    login(client, a.consultant)
    token = once.issue(a.consultant)
    url = reverse("clients:contact_invite", args=[a.contact.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {once.FIELD: token})
        client.post(url, {once.FIELD: token})
    assert len(mail.outbox) == 1


def test_the_imported_clients_are_linked_from_the_import_with_their_new_engagement(
        client, a, b):
    """Issue 20 (fewer clicks): the import's page links each client it imported, and
    "new engagement" for it; never another firm's client with the same code."""
    with scopes_disabled():
        f.ClientFactory(firm=b.firm, name="别家的同码客户", uscc=f.make_uscc(9002))
    login(client, a.consultant)
    batch = _batch(upload(client, "clients", xlsx(CLIENT_HEADERS, clean_rows(2))))
    resp = client.post(reverse("imports:commit", args=[batch.pk]), {"mode": "all"}, follow=True)
    with scopes_disabled():
        imported = list(Client.objects.filter(firm=a.firm, name__startswith="导入客户"))
    assert len(imported) == 2
    page = resp.content.decode()
    assert 'id="imported-clients"' in page
    for c in imported:
        assert f'href="{c.get_absolute_url()}"' in page
        assert f'href="{reverse("engagements:create")}?client={c.pk}"' in page
    assert "别家的同码客户" not in page
