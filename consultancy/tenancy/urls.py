from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_create, name="create"),
    path("qualifications/", views.qualification_list, name="qualifications"),
    path("qualifications/kinds/", views.qualification_kinds, name="qualification_kinds"),
    path("qualifications/kinds/<id:kind_pk>/decide/", views.qualification_kind_decide,
         name="qualification_kind_decide"),
    path("<id:pk>/", views.staff_detail, name="detail"),
    path("<id:pk>/edit/", views.staff_update, name="update"),
    path("<id:pk>/deactivate/", views.staff_deactivate, name="deactivate"),
    path("<id:pk>/reactivate/", views.staff_reactivate, name="reactivate"),
    path("<id:pk>/delete/", views.staff_delete, name="delete"),
    path("<id:pk>/qualifications/new/", views.qualification_edit, name="qualification_create"),
    path("<id:pk>/qualifications/<id:qualification_pk>/", views.qualification_edit,
         name="qualification_update"),
]
