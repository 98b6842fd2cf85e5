"""The search box's indexes on PostgreSQL: pg_trgm (a trusted extension: the database's
owner may create it), then a trigram GIN index on each column the search matches with a
substring (consultancy.search.operations). Nothing happens on SQLite."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from consultancy.search.operations import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_pinyin_initials_and_sort_key"),
        ("engagements", "0003_framework_confirmed_fingerprint"),
        ("delivery", "0006_delivery_acknowledged_fingerprint"),
        ("feedback", "0005_acceptance_content_sha256"),
    ]

    operations = [
        TrigramExtension(),
        TrigramIndex("clients_client", "client_name_trgm", "name"),
        TrigramIndex("clients_client", "client_initials_trgm", "name_initials", upper=False),
        TrigramIndex("clients_client", "client_uscc_trgm", "uscc", upper=False),
        TrigramIndex("clients_clientcontact", "contact_name_trgm", "name"),
        TrigramIndex("clients_clientcontact", "contact_initials_trgm", "name_initials",
                     upper=False),
        TrigramIndex("engagements_engagement", "engagement_number_trgm", "number"),
        TrigramIndex("engagements_engagement", "engagement_title_trgm", "title"),
        TrigramIndex("delivery_projectdocument", "projdoc_title_trgm", "title"),
        TrigramIndex("feedback_complaint", "complaint_number_trgm", "number"),
        TrigramIndex("feedback_complaint", "complaint_description_trgm", "description"),
        TrigramIndex("feedback_complaint", "complaint_complainant_trgm", "complainant_name"),
    ]
