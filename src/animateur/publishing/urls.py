from django.urls import path

from animateur.publishing import live_views, views

app_name = "publishing"
urlpatterns = [
    path("", views.publications, name="publications"),
    path("calendar/", views.calendar, name="calendar"),
    path("link-preview/", live_views.link_preview, name="link_preview"),
    path("live/", live_views.coverages, name="live_list"),
    path("live/<int:coverage_id>/", live_views.coverage_page, name="live"),
    path("live/<int:coverage_id>/thread/", live_views.coverage_thread, name="live_thread"),
    path("live/<int:coverage_id>/stream/", live_views.coverage_stream, name="live_stream"),
    path("live/<int:coverage_id>/post/", live_views.post_update, name="live_post"),
    path("live/<int:coverage_id>/end/", live_views.end_coverage, name="live_end"),
    path("live/updates/<int:update_id>/retry/", live_views.retry_update, name="live_retry"),
    path("settings/", views.settings, name="settings"),
    path("approval/<str:token>/", views.client_approval, name="client_approval"),
    path("<int:publication_id>/", views.publication, name="publication"),
    path("<int:publication_id>/publish/", views.publish, name="publish"),
    path("<int:publication_id>/request-approval/", views.request_approval, name="request_approval"),
    path("<int:publication_id>/approve/", views.approve, name="approve"),
    path("<int:publication_id>/comment/", views.comment, name="comment"),
    path("<int:publication_id>/reschedule/", views.reschedule, name="reschedule"),
]
