"""Every firm's list of 重大事故隐患判定标准 criteria starts seeded (hazards.criteria): the
firms that existed before get it now; a new firm gets it when it is created
(consultancy.tenancy.firm_lists), no longer on the first GET of the record page. A firm
that already has criteria keeps its list as it is."""

from django.db import migrations

from hazards.criteria import SEED, SOURCES


def seed_criteria(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    MajorHazardCriterion = apps.get_model("hazards", "MajorHazardCriterion")
    for firm in Firm.objects.all():
        if MajorHazardCriterion.objects.filter(firm=firm).exists():
            continue
        MajorHazardCriterion.objects.bulk_create([
            MajorHazardCriterion(firm=firm, industry=industry, code=code, text=text,
                                 source=SOURCES[industry])
            for industry, items in SEED.items() for code, text in items])


class Migration(migrations.Migration):

    dependencies = [("hazards", "0005_closed_frozen_triggers")]

    operations = [migrations.RunPython(seed_criteria, migrations.RunPython.noop)]
