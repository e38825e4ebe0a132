from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from animateur.core import two_factor_views, views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.TeamLoginView.as_view(), name="login"),
    path("login/2fa/", two_factor_views.totp_verify, name="totp_verify"),
    path("logout/", views.logout, name="logout"),
    path("account/", views.account, name="account"),
    path("account/2fa/", two_factor_views.totp_setup, name="totp_setup"),
    path("account/2fa/recovery-codes/", two_factor_views.totp_recovery_codes, name="totp_recovery_codes"),
    path("workspaces/", views.workspaces, name="workspaces"),
    path("team/", views.team_page, name="team"),
    path("team/invite/", views.invite, name="invite"),
    path("team/security/", views.security, name="security"),
    path("team/invitations/<int:invitation_id>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("team/members/<int:membership_id>/", views.change_role, name="change_role"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept"),
    path(
        "password-reset/",
        views.TeamPasswordResetView.as_view(
            template_name="core/password_reset.html",
            email_template_name="core/email/password_reset.txt",
            subject_template_name="core/email/password_reset_subject.txt",
            success_url=reverse_lazy("core:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="core/password_reset_confirm.html",
            success_url=reverse_lazy("core:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="core/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
