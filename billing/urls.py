from django.urls import path

from billing import views

urlpatterns = [
    path("points/", views.points, name="points"),
]
