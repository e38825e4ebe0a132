from django.urls import path

from animateur.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("decide/", views.decide, name="decide"),
    path("messages/<int:message_id>/", views.message_detail, name="message"),
    path("messages/<int:message_id>/decide/", views.decide_message, name="decide_message"),
    path("messages/<int:message_id>/flag/", views.flag_message, name="flag"),
    path("members/<int:member_id>/", views.member_detail, name="member"),
    path("members/<int:member_id>/sanction/", views.sanction, name="sanction"),
    path("sanctions/<int:sanction_id>/lift/", views.lift, name="lift"),
    path("words/", views.words, name="words"),
    path("words/<int:word_id>/delete/", views.word_delete, name="word_delete"),
    path("words/starter/", views.words_starter, name="words_starter"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule"),
    path("rules/<int:rule_id>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:rule_id>/webhook-secret/", views.rule_webhook_secret, name="rule_webhook_secret"),
    path("settings/", views.settings_view, name="settings"),
]
