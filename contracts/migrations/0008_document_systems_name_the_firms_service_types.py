"""8.5.1: the firm's mapping names a service type of the firm's own list (engagements 0008)
instead of a fixed choice: each row (and each historical version) points at its firm's
service type of the same code; backwards, the code comes back (a type the firm added later
becomes "other")."""

import django.db.models.deletion
from django.db import migrations, models

OLD_CODES = {"standardization", "ledgers", "adviser", "risk_grading", "other"}
MODELS = ("DocumentSystemRequirement", "HistoricalDocumentSystemRequirement")


def _types(apps):
    ServiceType = apps.get_model("engagements", "ServiceType")
    return {(firm_id, code): pk for pk, firm_id, code in
            ServiceType.objects.values_list("pk", "firm_id", "code")}


def codes_to_rows(apps, schema_editor):
    types = _types(apps)
    for name in MODELS:
        model = apps.get_model("contracts", name)
        for pk, firm_id, code in model.objects.values_list("pk", "firm_id", "service_type"):
            row = types.get((firm_id, code)) or types.get((firm_id, "other"))
            if row is not None:
                model.objects.filter(pk=pk).update(service_type_row=row)


def rows_to_codes(apps, schema_editor):
    codes = {pk: code for (firm_id, code), pk in _types(apps).items()}
    for name in MODELS:
        model = apps.get_model("contracts", name)
        for pk, row in model.objects.values_list("pk", "service_type_row"):
            code = codes.get(row, "other")
            model.objects.filter(pk=pk).update(
                service_type=code if code in OLD_CODES else "other")


def old_field():
    return models.CharField(
        choices=[("standardization", "Safety standardization consulting"),
                 ("ledgers", "Safety ledgers"), ("adviser", "Safety adviser service"),
                 ("risk_grading", "Risk grading and control"), ("other", "Other")],
        max_length=20, verbose_name="service type", default="other")


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0007_document_systems"),
        ("engagements", "0008_service_types"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="documentsystemrequirement",
                                    name="document_system_once"),
        migrations.RemoveIndex(model_name="documentsystemrequirement",
                               name="docsys_firm_type_idx"),
        migrations.AddField(
            model_name="documentsystemrequirement", name="service_type_row",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="engagements.servicetype"),
        ),
        migrations.AddField(
            model_name="historicaldocumentsystemrequirement", name="service_type_row",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING,
                                    related_name="+", to="engagements.servicetype"),
        ),
        migrations.AlterField(model_name="documentsystemrequirement", name="service_type",
                              field=old_field()),
        migrations.AlterField(model_name="historicaldocumentsystemrequirement",
                              name="service_type", field=old_field()),
        migrations.RunPython(codes_to_rows, rows_to_codes),
        migrations.RemoveField(model_name="documentsystemrequirement", name="service_type"),
        migrations.RemoveField(model_name="historicaldocumentsystemrequirement",
                               name="service_type"),
        migrations.RenameField(model_name="documentsystemrequirement",
                               old_name="service_type_row", new_name="service_type"),
        migrations.RenameField(model_name="historicaldocumentsystemrequirement",
                               old_name="service_type_row", new_name="service_type"),
        migrations.AlterField(
            model_name="documentsystemrequirement",
            name="service_type",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagements.servicetype", verbose_name="service type"),
        ),
        migrations.AlterField(
            model_name="historicaldocumentsystemrequirement",
            name="service_type",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="engagements.servicetype", verbose_name="service type"),
        ),
        migrations.AlterModelOptions(
            name="documentsystemrequirement",
            options={"ordering": ["service_type__position", "category"], "verbose_name": "document system a service type requires", "verbose_name_plural": "document systems the service types require"},
        ),
        migrations.AddIndex(
            model_name="documentsystemrequirement",
            index=models.Index(fields=["firm", "service_type"], name="docsys_firm_type_idx"),
        ),
        migrations.AddConstraint(
            model_name="documentsystemrequirement",
            constraint=models.UniqueConstraint(fields=("firm", "service_type", "category"), name="document_system_once"),
        ),
    ]
