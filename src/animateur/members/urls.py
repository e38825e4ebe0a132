from django.urls import path

from animateur.members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/<int:suggestion_id>/", views.decide_suggestion, name="suggestion"),
    path("merges/<int:merge_id>/revert/", views.revert_merge, name="revert"),
    path("settings/", views.settings_page, name="settings"),
    path("recompute/", views.recompute_members, name="recompute"),
    path("segments/", views.save_segment, name="save_segment"),
    path("segments/<int:segment_id>/delete/", views.delete_segment, name="delete_segment"),
    path("fields/", views.field_list, name="fields"),
    path("fields/<int:field_id>/", views.field_edit, name="field"),
    path("fields/<int:field_id>/delete/", views.field_delete, name="field_delete"),
    path("alerts/", views.alerts_page, name="alerts"),
    path("links/verify/", views.verify_links, name="verify_links"),
    path("introductions/", views.introduction_list, name="introductions"),
    path("<int:member_id>/", views.member_detail, name="detail"),
    path("<int:member_id>/fields/", views.set_fields, name="fields_set"),
    path(
        "<int:member_id>/introductions/<int:other_id>/dismiss/",
        views.dismiss_introduction,
        name="introduction_dismiss",
    ),
    path("<int:member_id>/notes/", views.add_note, name="note"),
    path("<int:member_id>/tags/", views.set_tags, name="tags"),
    path("<int:member_id>/ambassador/", views.mark_ambassador, name="ambassador"),
    path("<int:member_id>/identities/<int:identity_id>/split/", views.split_identity, name="split"),
    path("<int:member_id>/export/", views.export_member, name="export"),
    path("<int:member_id>/erase/", views.erase_member, name="erase"),
]
