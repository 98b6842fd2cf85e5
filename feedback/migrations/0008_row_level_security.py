"""On PostgreSQL: row-level security on every table of this app with a firm
(consultancy.tenancy.rls); nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import CreateFirmLookup, FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("feedback", "0007_complaint_limits_from_receipt_and_causes"),
                    ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("historicalclientacceptance"),
        FirmRowLevelSecurity("clientacceptance"),
        FirmRowLevelSecurity("historicaloutcomereview"),
        FirmRowLevelSecurity("outcomereview"),
        FirmRowLevelSecurity("historicalobjectivereview"),
        FirmRowLevelSecurity("objectivereview"),
        FirmRowLevelSecurity("historicalfollowupguidance"),
        FirmRowLevelSecurity("followupguidance"),
        FirmRowLevelSecurity("historicalfollowupvisit"),
        FirmRowLevelSecurity("followupvisit"),
        FirmRowLevelSecurity("historicalfeedbacksettings"),
        FirmRowLevelSecurity("feedbacksettings"),
        FirmRowLevelSecurity("historicalcomplaint"),
        FirmRowLevelSecurity("complaint"),
        FirmRowLevelSecurity("complaintstep"),
        FirmRowLevelSecurity("historicalsurveyquestionset"),
        FirmRowLevelSecurity("surveyquestionset"),
        FirmRowLevelSecurity("historicalsurveyquestion"),
        FirmRowLevelSecurity("surveyquestion"),
        FirmRowLevelSecurity("survey"),
        FirmRowLevelSecurity("surveyinvitation"),
        FirmRowLevelSecurity("surveyresponse"),
        FirmRowLevelSecurity("surveyanswer"),
        FirmRowLevelSecurity("reminder"),
        FirmRowLevelSecurity("satisfactionreport"),
        FirmRowLevelSecurity("historicalcomplaintcause"),
        FirmRowLevelSecurity("complaintcause"),
        FirmRowLevelSecurity("historicalcomplaintaction"),
        FirmRowLevelSecurity("complaintaction"),
        FirmRowLevelSecurity("complaintnotice"),
        FirmRowLevelSecurity("complaintreply"),
        FirmRowLevelSecurity("complaintreport"),
        # The survey link (/survey/<token>/, no log-in) finds its invitation by the
        # token's hash before the firm is known.
        CreateFirmLookup("feedback_survey_invitation_by_token", "surveyinvitation",
                         "token_hash"),
    ]
