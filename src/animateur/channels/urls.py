from django.urls import path

from animateur.channels import views, views_connect, views_webhook

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("add/", views.choose_kind, name="choose_kind"),
    path("add/<slug:kind>/", views.channel_add, name="add"),
    path("<int:pk>/", views.channel_detail, name="detail"),
    path("<int:pk>/pause/", views.channel_pause, name="pause"),
    path("<int:pk>/poll/", views.channel_poll, name="poll"),
    path("connect/", views_connect.connect, name="connect"),
    path("connect/<slug:network>/app/", views_connect.connect_app, name="connect_app"),
    path("connect/<slug:network>/start/", views_connect.connect_start, name="connect_start"),
    path("connect/<slug:network>/server/", views_connect.connect_server, name="connect_server"),
    path("connect/<slug:network>/callback/", views_connect.connect_callback, name="connect_callback"),
    path("connect/<slug:network>/pick/", views_connect.connect_pick, name="connect_pick"),
    # Meta's webhooks for the workspace's app: public, the signature is the permission (views_webhook.py).
    path("meta/<str:app_id>/webhook/", views_webhook.meta_webhook, name="meta_webhook"),
]
