"""The team's pages for the community space: authoring (staff_views) and comments (comment_staff_views)."""

from django.urls import path

from animateur.space import comment_staff_views, staff_views

app_name = "space_staff"
urlpatterns = [
    path("", staff_views.staff_home, name="home"),
    path("comments/", comment_staff_views.comments, name="comments"),
    path("comments/bulk/", comment_staff_views.comments_bulk, name="comments_bulk"),
    path("comments/<int:message_id>/reply/", comment_staff_views.comment_reply, name="comment_reply"),
]
