"""Every firm has its satisfaction question set (9.5): the set is no longer created on
first use (a read never writes), so a firm created before the firm-kept lists were seeded
at the firm's creation (consultancy.tenancy.firm_lists) and that never opened its survey
pages gets the default set here. A firm that has a set keeps it as it is."""

from django.db import migrations

from feedback.defaults import DEFAULT_QUESTION_SET_NAME, DEFAULT_QUESTIONS


def seed_question_sets(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    SurveyQuestionSet = apps.get_model("feedback", "SurveyQuestionSet")
    SurveyQuestion = apps.get_model("feedback", "SurveyQuestion")
    having = set(SurveyQuestionSet.objects.values_list("firm_id", flat=True))
    for firm_id in Firm.objects.exclude(pk__in=having).values_list("pk", flat=True):
        question_set = SurveyQuestionSet.objects.create(firm_id=firm_id,
                                                        name=DEFAULT_QUESTION_SET_NAME)
        SurveyQuestion.objects.bulk_create([
            SurveyQuestion(firm_id=firm_id, question_set=question_set, code=code, kind=kind,
                           label_zh=zh, label_en=en, order=order, required=required)
            for order, (code, kind, zh, en, required) in enumerate(DEFAULT_QUESTIONS)])


class Migration(migrations.Migration):

    dependencies = [
        ("feedback", "0010_engagement_opened_before_its_records"),
        ("tenancy", "0005_qualification_kinds"),
    ]

    operations = [
        migrations.RunPython(seed_question_sets, migrations.RunPython.noop),
    ]
