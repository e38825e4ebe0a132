from django.urls import path

from animateur.inbox import sla_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.list_fragment, name="list_fragment"),
    path("bulk/", views.bulk, name="bulk"),
    path("c/<int:conversation_id>/", views.conversation, name="conversation"),
    path("c/<int:conversation_id>/live/", views.live, name="live"),
    path("c/<int:conversation_id>/update/", views.update, name="update"),
    path("c/<int:conversation_id>/labels/", views.set_labels, name="labels"),
    path("c/<int:conversation_id>/note/", views.add_note, name="note"),
    path("c/<int:conversation_id>/reply/", views.reply, name="reply"),
    path("c/<int:conversation_id>/answered-elsewhere/", views.answered_elsewhere, name="answered_elsewhere"),
    path("replies/", views.saved_replies, name="saved_replies"),
    path("replies/save/", views.saved_reply_save, name="saved_reply_save"),
    path("replies/search/", views.saved_reply_search, name="saved_reply_search"),
    path("replies/<int:reply_id>/delete/", views.saved_reply_delete, name="saved_reply_delete"),
    path("views/save/", views.view_save, name="view_save"),
    path("views/<int:view_id>/delete/", views.view_delete, name="view_delete"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("settings/", sla_views.settings_page, name="settings"),
    path("settings/targets/", sla_views.target_save, name="target_save"),
    path("settings/targets/<int:target_id>/delete/", sla_views.target_delete, name="target_delete"),
    path("settings/hours/", sla_views.hours_save, name="hours_save"),
    path("settings/holidays/", sla_views.holiday_add, name="holiday_add"),
    path("settings/holidays/<int:holiday_id>/delete/", sla_views.holiday_delete, name="holiday_delete"),
    path("response-times/", sla_views.response_times, name="response_times"),
    path("response-times.csv", sla_views.response_times_csv, name="response_times_csv"),
]
