from django.urls import path

from animateur.stream import views

app_name = "stream"
urlpatterns = [
    path("", views.stream_page, name="index"),
]
