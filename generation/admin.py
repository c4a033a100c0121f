"""The effects catalogue in the staff panel: staff add effects, their preview clips and their
LoRA adapters; an adapter that does not fit the chosen model's video transformer is refused
here (read from the file's safetensors header, without torch), before any worker sees it."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from generation import effects
from generation.engine import lora_fit
from generation.engine.specs import MODEL_SPECS
from generation.models import Effect
from webapp.staff.admin_mixins import AuditedSettingAdmin

SHOWN_PROBLEMS = 5


class EffectAdminForm(forms.ModelForm):
    spec = forms.ChoiceField(label=_("model"), choices=[(s, s) for s in MODEL_SPECS])

    class Meta:
        model = Effect
        fields = (
            "slug",
            "name",
            "name_zh_hans",
            "preview",
            "photos",
            "prompt_template",
            "adapter",
            "adapter_weight",
            "spec",
            "price",
            "tier",
            "offers_restoration",
            "active",
            "position",
        )

    def clean(self):
        data = super().clean()
        adapter, spec = data.get("adapter"), data.get("spec")
        if adapter and spec:
            self.instance.adapter_sha256 = self._check_adapter(adapter, MODEL_SPECS[spec])
        elif not adapter:
            self.instance.adapter_sha256 = ""
        return data

    def _check_adapter(self, adapter, spec) -> str:
        """The adapter's checksum when it fits `spec`; otherwise a form error on it."""
        new = isinstance(adapter, UploadedFile)
        if new and not adapter.name.lower().endswith(".safetensors"):
            self.add_error("adapter", _("Upload the adapter as a .safetensors file."))
            return ""
        try:
            handle = adapter if new else adapter.open("rb")
            handle.seek(0)
            tensors = lora_fit.read_header(handle, adapter.size)
        except lora_fit.NotSafetensors as exc:
            self.add_error(
                "adapter",
                ValidationError(
                    _("This file is not a readable safetensors LoRA (%(why)s)."),
                    params={"why": exc},
                ),
            )
            return ""
        problems = lora_fit.misfits(tensors, spec)
        if problems:
            shown = "; ".join(problems[:SHOWN_PROBLEMS])
            if len(problems) > SHOWN_PROBLEMS:
                shown += f"; … ({len(problems)} problems)"
            self.add_error(
                "adapter",
                ValidationError(
                    _(
                        "This adapter does not fit the video transformer of the %(model)s "
                        "model: %(problems)s"
                    ),
                    params={"model": spec.id, "problems": shown},
                ),
            )
            return ""
        return effects.sha256_of(handle)


@admin.register(Effect)
class EffectAdmin(AuditedSettingAdmin, admin.ModelAdmin):
    form = EffectAdminForm
    list_display = ("name", "slug", "spec", "photos", "price", "tier", "active", "position")
    list_filter = ("active", "spec", "photos")
    list_editable = ("active", "position")
    search_fields = ("name", "name_zh_hans", "slug")
    readonly_fields = ("adapter_sha256",)
