from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("engagements/<id:pk>/contract/", views.contract_page, name="contract"),
    path("engagements/<id:pk>/contract/draft/", views.contract_draft, name="draft"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/edit/", views.contract_edit, name="edit"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/edit/rows/<slug:kind>/",
         views.contract_row, name="row"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/issue/", views.contract_issue, name="issue"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/withdraw/", views.contract_withdraw,
         name="withdraw"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/sign/", views.contract_sign, name="sign"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/amend/", views.contract_amend, name="amend"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/delete/", views.contract_delete, name="delete"),
    path("engagements/<id:pk>/contract/<id:contract_pk>/signed-copy/", views.signed_copy,
         name="signed_copy"),
    path("contract-template/", views.template_edit, name="template"),
]
