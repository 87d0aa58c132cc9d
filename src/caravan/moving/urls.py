"""URLs of the moving pages (included by the root URLconf before the web face)."""

from django.urls import path

from caravan.moving import views

urlpatterns = [
    path("settings/import", views.import_page, name="moving_import"),
    path("settings/import/people", views.people_page, name="moving_people"),
    path("settings/import/<int:job_id>", views.import_job_page, name="moving_import_job"),
    path("settings/import/<int:job_id>/resume", views.resume_job, name="moving_resume"),
    path("settings/export/archive.zip", views.export_archive_file, name="moving_export_archive"),
    path("settings/export/<str:kind>.csv", views.export_file, name="moving_export"),
    path("settings/migration", views.migration_page, name="moving_migration"),
]
