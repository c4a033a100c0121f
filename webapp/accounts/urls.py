from django.urls import path

from webapp.accounts import views

app_name = "accounts"

urlpatterns = [
    path("data/", views.your_data, name="data"),
    path("data/export/<str:token>/", views.export_download, name="export_download"),
    path("delete/", views.delete_account, name="delete"),
]
