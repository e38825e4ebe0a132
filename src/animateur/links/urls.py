from django.urls import path

from animateur.links import views

app_name = "links"
urlpatterns = [
    path("", views.links, name="list"),
    path("<int:link_id>/delete/", views.delete, name="delete"),
]
