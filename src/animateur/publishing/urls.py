from django.urls import path

from animateur.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.publications, name="publications"),
    path("<int:publication_id>/", views.publication, name="publication"),
    path("<int:publication_id>/publish/", views.publish, name="publish"),
]
