from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("engagements/<int:pk>/contract/", views.contract_page, name="contract"),
    path("engagements/<int:pk>/contract/draft/", views.contract_draft, name="draft"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/edit/", views.contract_edit, name="edit"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/issue/", views.contract_issue, name="issue"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/withdraw/", views.contract_withdraw,
         name="withdraw"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/sign/", views.contract_sign, name="sign"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/amend/", views.contract_amend, name="amend"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/delete/", views.contract_delete, name="delete"),
    path("engagements/<int:pk>/contract/<int:contract_pk>/signed-copy/", views.signed_copy,
         name="signed_copy"),
    path("contract-template/", views.template_edit, name="template"),
]
