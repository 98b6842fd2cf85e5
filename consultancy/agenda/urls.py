from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("link/", views.feed_link, name="feed_link"),
    path("chat/", views.chat_robots, name="chat"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
