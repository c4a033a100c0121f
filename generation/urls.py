from django.urls import path

from generation import views
from generation.provenance import views as provenance_views

app_name = "generation"
urlpatterns = [
    path("create/", views.create, name="create"),
    path("create/price/", views.price, name="price"),
    path("effects/<slug:slug>/preview/", views.effect_preview, name="effect_preview"),
    path("works/", views.my_works, name="works"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/cancel/", views.cancel, name="cancel"),
    path("jobs/<int:job_id>/delete/", views.delete, name="delete"),
    path("jobs/<int:job_id>/appeal/", views.appeal, name="appeal"),
    path("jobs/<int:job_id>/run/", views.run_appealed, name="run_appealed"),
    path("jobs/<int:job_id>/photo/<str:which>/", views.input_photo, name="input_photo"),
    path("jobs/<int:job_id>/clip/", views.input_clip, name="input_clip"),
    path("settings/notifications/", views.notifications, name="notifications"),
    path("files/<int:asset_id>/", views.asset_file, name="asset"),
    path("check/", provenance_views.check, name="check"),
]
