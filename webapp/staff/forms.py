from django import forms
from django.utils.translation import gettext_lazy as _

from billing.fields import PointsFormField


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"size": 40})
    )


class DeleteUserForm(ReasonForm):
    """Deleting an account from its staff page: a reason for the audit log, and the account's
    address typed again, so a slip on the wrong page cannot delete anyone."""

    confirm_email = forms.CharField(label=_("Type the user's e-mail address to confirm"))

    def __init__(self, *args, subject, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject

    def clean_confirm_email(self):
        typed = self.cleaned_data["confirm_email"].strip().lower()
        if typed != self.subject.email.lower():
            raise forms.ValidationError(_("That is not this account's address."))
        return typed


class PointsForm(forms.Form):
    GRANT = "grant"
    CLAW_BACK = "claw_back"

    direction = forms.ChoiceField(
        label=_("Action"), choices=[(GRANT, _("Grant")), (CLAW_BACK, _("Take back"))]
    )
    amount = PointsFormField(label=_("Points"), min_value=0)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Written to the user's points history with your name."),
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("Enter a positive number of points."))
        return amount
