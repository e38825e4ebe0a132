"""The team's page of API tokens, under /app/team/api-tokens/ (mounted by config/urls.py)."""

from django.urls import path

from animateur.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.tokens, name="list"),
    path("<int:token_id>/revoke/", views.revoke, name="revoke"),
]
