from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="list"),
    path("new/", views.client_create, name="create"),
    path("<id:pk>/", views.ClientDetailView.as_view(), name="detail"),
    path("<id:pk>/edit/", views.client_update, name="update"),
    path("<id:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<id:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<id:pk>/edit/", views.contact_update, name="contact_update"),
    path("contacts/<id:pk>/invite/", views.contact_invite, name="contact_invite"),
]
