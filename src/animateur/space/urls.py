from django.urls import path

from animateur.space import views

app_name = "space"
urlpatterns = [
    path("", views.home, name="home"),
]
