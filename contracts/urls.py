from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("engagements/<int:pk>/contract/", views.contract_page, name="contract"),
    path("engagements/<int:pk>/contract/draft/", views.contract_draft, name="draft"),
    path("engagements/<int:pk>/contract/<int:cid>/edit/", views.contract_edit, name="edit"),
    path("engagements/<int:pk>/contract/<int:cid>/issue/", views.contract_issue, name="issue"),
    path("engagements/<int:pk>/contract/<int:cid>/withdraw/", views.contract_withdraw,
         name="withdraw"),
    path("engagements/<int:pk>/contract/<int:cid>/sign/", views.contract_sign, name="sign"),
    path("engagements/<int:pk>/contract/<int:cid>/amend/", views.contract_amend, name="amend"),
    path("engagements/<int:pk>/contract/<int:cid>/delete/", views.contract_delete, name="delete"),
    path("engagements/<int:pk>/contract/<int:cid>/signed-copy/", views.signed_copy,
         name="signed_copy"),
    path("contract-template/", views.template_edit, name="template"),
]
