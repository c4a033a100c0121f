from django import forms
from django.utils.translation import gettext_lazy as _

from billing.fields import PointsFormField


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"size": 40})
    )


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
