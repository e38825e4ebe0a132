"""The team's pages for the community space: authoring (staff_views) and comments (comment_staff_views)."""

from django.urls import path

from animateur.space import comment_staff_views, staff_views

app_name = "space_staff"
urlpatterns = [
    path("", staff_views.staff_home, name="home"),
    path("posts/new/", staff_views.post_new, name="post_new"),
    path("posts/<int:post_id>/", staff_views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/status/", staff_views.post_status, name="post_status"),
    path("posts/<int:post_id>/approve/", staff_views.post_approve, name="post_approve"),
    path("posts/preview/", staff_views.post_preview, name="post_preview"),
    path("pages/", staff_views.pages, name="pages"),
    path("pages/new/", staff_views.page_new, name="page_new"),
    path("taxonomy/", staff_views.taxonomy, name="taxonomy"),
    path("taxonomy/categories/<int:category_id>/", staff_views.category_edit, name="category_edit"),
    path("taxonomy/tags/<int:tag_id>/", staff_views.tag_edit, name="tag_edit"),
    path("authors/", staff_views.authors, name="authors"),
    path("authors/<int:author_id>/", staff_views.author_edit, name="author_edit"),
    path("comments/", comment_staff_views.comments, name="comments"),
    path("comments/bulk/", comment_staff_views.comments_bulk, name="comments_bulk"),
    path("comments/<int:message_id>/reply/", comment_staff_views.comment_reply, name="comment_reply"),
]
