from django.urls import path

from animateur.reports import views

app_name = "reports"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/live/", views.today_live, name="today_live"),
    path("objectives/", views.objectives, name="objectives"),
    path("objectives/<int:objective_id>/", views.objective, name="objective"),
    path("objectives/<int:objective_id>/delete/", views.objective_delete, name="objective_delete"),
    path("", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("clients/", views.agency_report, name="agency"),
    path("clients.csv", views.agency_csv, name="agency_csv"),
    path("shared/<str:token>/", views.shared, name="shared"),
    path("branding/", views.branding, name="branding"),
    path("saved/", views.saved_reports, name="saved"),
    path("saved/<int:saved_id>/delete/", views.saved_report_delete, name="saved_delete"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/<int:schedule_id>/delete/", views.schedule_delete, name="schedule_delete"),
]
