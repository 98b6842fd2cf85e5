from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    label = "feedback"
    verbose_name = _("Evaluation and follow-up (clause 9)")

    def ready(self):
        from .search import register_sources

        register_sources()  # the staff search box: complaints
        from consultancy.tenancy import areas
        from engagements import panels

        from . import tasks
        from .panel import feedback_panel, panel_annotations
        from .requirements import register_all

        register_all()
        # The public survey link (9.5) works whether or not its reader is logged in.
        areas.open_to_client_contacts("/survey/")
        panels.register(panels.Panel("feedback/_panel.html", feedback_panel, order=90,
                                     annotations=panel_annotations))
        tasks.connect()

        from consultancy.documents import registry

        from .statistics import report_access, statistics_pdf_spec

        registry.register("satisfaction_statistics", statistics_pdf_spec)
        registry.register_access("satisfaction_statistics", report_access)
        from . import services  # (also registers its activity verbs)
        from .complaint_analysis import analysis_pdf_spec
        from .complaint_analysis import report_access as analysis_access

        registry.register("complaint_analysis", analysis_pdf_spec)
        registry.register_access("complaint_analysis", analysis_access)

        # 9.4: a contract drafted now promises the firm's complaint time limits.
        from contracts.clauses import register_draft_terms

        from .selectors import contract_complaint_terms

        register_draft_terms(contract_complaint_terms)

        # A new firm starts with the usual complaint causes (9.4).
        from consultancy.tenancy import firm_lists

        firm_lists.register("feedback.complaint_causes", services.causes_seed)
        # … and the default satisfaction survey questions (9.5)
        firm_lists.register("feedback.survey_questions", services.questions_seed)
