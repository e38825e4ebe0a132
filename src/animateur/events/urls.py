from django.urls import path

from animateur.events import views

app_name = "events"
urlpatterns = [
    path("", views.subscriptions, name="subscriptions"),
    path("<int:subscription_id>/", views.subscription, name="subscription"),
    path("<int:subscription_id>/<str:what>/", views.subscription_action, name="subscription_action"),
    path("deliveries/<int:delivery_id>/replay/", views.replay, name="replay"),
]
