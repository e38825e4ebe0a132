from django.urls import path

from animateur.listening import views

app_name = "listening"
urlpatterns = [
    path("", views.searches, name="searches"),
    path("syntax/", views.syntax, name="syntax"),
    path("<int:search_id>/", views.search, name="search"),
    path("<int:search_id>/delete/", views.search_delete, name="search_delete"),
    path("<int:search_id>/progress/", views.progress, name="progress"),
    path("spikes/<int:spike_id>/", views.spike, name="spike"),
    path("spikes/<int:spike_id>/crisis/", views.open_crisis, name="open_crisis"),
    path("crises/<int:crisis_id>/", views.crisis, name="crisis"),
    path("crises/<int:crisis_id>/close/", views.close_crisis, name="close_crisis"),
    path("crises/<int:crisis_id>/prioritize/", views.prioritize_crisis, name="prioritize_crisis"),
]
