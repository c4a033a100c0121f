from django.urls import path

from billing import payment_views as views

app_name = "billing"

urlpatterns = [
    path("", views.billing, name="billing"),
    path("buy/plan/<int:plan_id>/", views.buy_plan, name="buy_plan"),
    path("buy/pack/<int:pack_id>/", views.buy_pack, name="buy_pack"),
    path("checkout/<int:pk>/", views.checkout_status, name="checkout_status"),
    path("sandbox/<str:session_id>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("change/<int:plan_id>/", views.change_plan, name="change_plan"),
    path("cancel/", views.cancel_membership, name="cancel"),
    path("portal/", views.portal, name="portal"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
