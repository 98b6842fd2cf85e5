from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.start, name="start"),
    path("template/<slug:kind>.<slug:fmt>", views.template, name="template"),
    path("<id:pk>/", views.preview, name="preview"),
    path("<id:pk>/import/", views.commit, name="commit"),
]
