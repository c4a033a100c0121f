from django.urls import path

from webapp.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("users/<int:user_id>/", views.user_view, name="user"),
    path("users/<int:user_id>/suspend/", views.suspend_view, name="suspend"),
    path("users/<int:user_id>/unsuspend/", views.unsuspend_view, name="unsuspend"),
    path("users/<int:user_id>/points/", views.points_view, name="points"),
    path("users/<int:user_id>/delete/", views.delete_user_view, name="delete_user"),
    path("flags/<int:flag_id>/approve/", views.approve_view, name="approve"),
    path("flags/<int:flag_id>/reject/", views.reject_view, name="reject"),
    path("jobs/<int:job_id>/files/<str:what>/", views.job_file_view, name="job_file"),
]
