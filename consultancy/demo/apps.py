from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its ``demo`` command; no models."""

    name = "consultancy.demo"
    label = "demo"
