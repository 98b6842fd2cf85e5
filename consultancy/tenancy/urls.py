from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_create, name="create"),
    path("qualifications/", views.qualification_list, name="qualifications"),
    path("<int:pk>/", views.staff_detail, name="detail"),
    path("<int:pk>/edit/", views.staff_update, name="update"),
    path("<int:pk>/deactivate/", views.staff_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.staff_reactivate, name="reactivate"),
    path("<int:pk>/delete/", views.staff_delete, name="delete"),
    path("<int:pk>/qualifications/new/", views.qualification_edit, name="qualification_create"),
    path("<int:pk>/qualifications/<int:qualification_pk>/", views.qualification_edit,
         name="qualification_update"),
]
