from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "webapp.accounts"
    label = "accounts"
    verbose_name = "Users"  # allauth's own app is "Accounts" (e-mail addresses)
