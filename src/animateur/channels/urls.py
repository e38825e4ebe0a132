from django.urls import path

from animateur.channels import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("add/", views.choose_kind, name="choose_kind"),
    path("add/<slug:kind>/", views.channel_add, name="add"),
    path("<int:pk>/", views.channel_detail, name="detail"),
    path("<int:pk>/pause/", views.channel_pause, name="pause"),
    path("<int:pk>/poll/", views.channel_poll, name="poll"),
]
