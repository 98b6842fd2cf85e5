from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<id:pk>/status/", views.document_status, name="status"),
    path("<id:pk>/download/", views.document_download, name="download"),
    path("<id:pk>/retry/", views.document_retry, name="retry"),
    path("files/<path:name>", views.private_file, name="private_file"),
]
