from django.urls import path

from animateur.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.publications, name="publications"),
    path("calendar/", views.calendar, name="calendar"),
    path("settings/", views.settings, name="settings"),
    path("approval/<str:token>/", views.client_approval, name="client_approval"),
    path("<int:publication_id>/", views.publication, name="publication"),
    path("<int:publication_id>/publish/", views.publish, name="publish"),
    path("<int:publication_id>/request-approval/", views.request_approval, name="request_approval"),
    path("<int:publication_id>/approve/", views.approve, name="approve"),
    path("<int:publication_id>/comment/", views.comment, name="comment"),
    path("<int:publication_id>/reschedule/", views.reschedule, name="reschedule"),
]
