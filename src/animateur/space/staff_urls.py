from django.urls import path

from animateur.space import staff_views

app_name = "space_staff"
urlpatterns = [
    path("", staff_views.staff_home, name="home"),
]
