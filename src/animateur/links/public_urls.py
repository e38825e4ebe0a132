"""The public redirect of tracked links: /l/<code> on the workspace's own domain."""

from django.urls import path

from animateur.links import views

app_name = "links_public"
urlpatterns = [
    path("<str:code>", views.follow, name="follow"),
]
