"""The create form: one form for every kind, so the price and the rules are computed one way."""

import re
import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.pricing import STORYBOARD_SECONDS
from generation import add_sound, effects
from generation.engine.specs import get_spec
from generation.engine.types import (
    DEFAULT_STRENGTH,
    MAX_REFERENCES,
    MAX_SHOTS,
    MAX_STRENGTH,
    MIN_SHOTS,
    MIN_STRENGTH,
)
from generation.labels import ASPECT_RATIOS, CAMERA_MOVEMENTS, MODES, aspect_ratio_of
from generation.models import Job
from generation.moderation.review import APPEAL_MAX_LENGTH
from generation.restyle import clean_restyle
from generation.uploads import clean_photo

MAX_PROMPT = 2500
MAX_SEED = 2**32 - 1
MAX_CHAIN_SECONDS = 180
OLD_PHOTO_PROMPT = (
    "The people in this old photo come gently to life: they breathe, blink and smile softly, "
    "natural subtle movement, the camera stays still, faithful to the original photo"
)

DURATIONS = [(5, gettext_lazy("5 s")), (10, gettext_lazy("10 s"))]
SHOT_DURATIONS = [(n, format_lazy(gettext_lazy("{} s"), n)) for n in range(1, 6)]
SHOT_FIELD = re.compile(r"shot_(prompt|duration)_(\d+)$")
SOUND_KINDS = (Job.Kind.TEXT_TO_VIDEO, Job.Kind.IMAGE_TO_VIDEO)


def storyboard_rows(data) -> list[int]:
    """The shot rows (numbers from 1) a storyboard's submitted data holds: a row whose prompt
    was sent counts when the prompt is not empty (the form's empty rows are ignored, so the page
    works without JavaScript); a row sent without its prompt (the live price, which never sends
    prompts) counts when its duration was sent."""
    sent = {}
    for key in data:
        if match := SHOT_FIELD.match(key):
            sent.setdefault(int(match[2]), set()).add(match[1])
    rows = []
    for number in sorted(sent):
        if "prompt" in sent[number]:
            if str(data.get(f"shot_prompt_{number}", "")).strip():
                rows.append(number)
        elif data.get(f"shot_duration_{number}"):
            rows.append(number)
    return rows


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one <input type=file multiple>: a list (empty when none was sent)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"multiple": True}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else [data]
        return [super(PhotosField, self).clean(upload, initial) for upload in uploads if upload]


class JobForm(forms.Form):
    kind = forms.ChoiceField(choices=Job.Kind.choices, initial=Job.Kind.TEXT_TO_VIDEO)
    prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Prompt"),
    )
    negative_prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Negative prompt"),
    )
    aspect_ratio = forms.ChoiceField(choices=ASPECT_RATIOS, initial="16:9")
    duration_s = forms.TypedChoiceField(choices=DURATIONS, coerce=int, initial=5)
    mode = forms.ChoiceField(choices=MODES, initial="standard")
    creativity = forms.FloatField(min_value=0.0, max_value=1.0, initial=0.5)
    seed = forms.IntegerField(required=False, min_value=0, max_value=MAX_SEED)
    camera_movement = forms.ChoiceField(choices=CAMERA_MOVEMENTS, initial="static")
    image = forms.FileField(required=False, label=gettext_lazy("Photo"))
    end_image = forms.FileField(required=False, label=gettext_lazy("End frame (optional)"))
    references = PhotosField(label=gettext_lazy("Reference photos"))
    source_job = forms.IntegerField(required=False, widget=forms.HiddenInput)
    num_images = forms.TypedChoiceField(
        choices=[(n, n) for n in range(1, 5)], coerce=int, initial=1
    )
    # Restyle: a clip to upload or one of the user's videos, and how much may change. The
    # seconds are the page's reading of the clip, for the live price only: submit prices the
    # clip as decoded.
    video = forms.FileField(required=False, label=gettext_lazy("Clip"))
    restyle_source = forms.IntegerField(required=False, widget=forms.HiddenInput)
    strength = forms.FloatField(
        required=False, min_value=MIN_STRENGTH, max_value=MAX_STRENGTH, initial=DEFAULT_STRENGTH
    )
    restyle_seconds = forms.IntegerField(required=False, min_value=1, max_value=10)
    # Add sound: which of the user's silent videos (generation/add_sound.py).
    sound_source = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The effects catalogue (generation/effects.py): the effect's code, a second person's photo.
    # Its own photo field: the page's photo-to-video field is sent too, empty or not.
    effect = forms.CharField(required=False, max_length=50)
    effect_image = forms.FileField(required=False, label=gettext_lazy("Photo"))
    second_image = forms.FileField(required=False, label=gettext_lazy("Second photo"))
    restore_colour = forms.BooleanField(required=False, label=effects.RESTORE_LABELS["colour"])
    restore_faces = forms.BooleanField(required=False, label=effects.RESTORE_LABELS["faces"])
    sound = forms.BooleanField(
        required=False,
        label=gettext_lazy("Sound"),
        help_text=gettext_lazy(
            "Make the video with its soundtrack: describe sounds, music and speech in the prompt "
            '(for example: rain on a tin roof, a man says "we made it"). Priced on its own.'
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.photo = None
        self.end_photo = None
        # A reference video's photos, each (PNG file, decoded image) as clean_photo gives them.
        self.reference_photos = []
        if Job.Kind.REFERENCES not in get_spec(settings.GENERATION_MODEL).kinds:
            # Only Wan's VACE (and the demo) takes reference photos: no tab that can only fail.
            self.fields["kind"].choices = [
                choice for choice in Job.Kind.choices if choice[0] != Job.Kind.REFERENCES
            ]
        if not add_sound.offered():  # only LTX-2 (and the demo) adds sound to a video
            self.fields["kind"].choices = [
                choice for choice in self.fields["kind"].choices if choice[0] != Job.Kind.ADD_SOUND
            ]
        self.clip = None
        self.second_photo = None
        self.effect_photo = None
        # A storyboard's rows, all on the page (JavaScript shows the first two and adds more).
        for n in range(1, MAX_SHOTS + 1):
            self.fields[f"shot_prompt_{n}"] = forms.CharField(
                required=False,
                max_length=MAX_PROMPT,
                widget=forms.Textarea(attrs={"rows": 2}),
                label=format_lazy(gettext_lazy("Shot {}"), n),
            )
            self.fields[f"shot_duration_{n}"] = forms.TypedChoiceField(
                choices=SHOT_DURATIONS, coerce=int, initial=3, required=False
            )
            self.fields[f"shot_camera_{n}"] = forms.ChoiceField(
                choices=CAMERA_MOVEMENTS, initial="static", required=False
            )
        # "Generate again" and remixes refill a storyboard's rows from its stored shots.
        for n, shot in enumerate(self.initial.get("shots") or [], start=1):
            self.initial.setdefault(f"shot_prompt_{n}", shot.get("prompt", ""))
            self.initial.setdefault(f"shot_duration_{n}", shot.get("duration_s"))
            self.initial.setdefault(f"shot_camera_{n}", shot.get("camera_movement", "static"))

    @property
    def shot_rows(self) -> list[dict]:
        """The rows as the create page shows them."""
        return [
            {
                "number": n,
                "prompt": self[f"shot_prompt_{n}"],
                "duration": self[f"shot_duration_{n}"],
                "camera": self[f"shot_camera_{n}"],
            }
            for n in range(1, MAX_SHOTS + 1)
        ]

    def clean_prompt(self):
        return self.cleaned_data["prompt"].strip()

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            self.photo = clean_photo(upload)
        return upload

    def clean_end_image(self):
        upload = self.cleaned_data.get("end_image")
        if upload:
            self.end_photo = clean_photo(upload)
        return upload

    def clean_references(self):
        """A reference video's 1-MAX_REFERENCES photos, each checked as any upload is (format,
        size, pixels, damage); the message names the photo. Ignored for other kinds."""
        uploads = self.cleaned_data.get("references") or []
        if self.cleaned_data.get("kind") != Job.Kind.REFERENCES:
            return []
        if not uploads:
            raise ValidationError(
                _("Add 1 to %(max)d reference photos: a person, an object or a style.")
                % {"max": MAX_REFERENCES}
            )
        if len(uploads) > MAX_REFERENCES:
            raise ValidationError(
                _("Choose at most %(max)d reference photos; you chose %(n)d.")
                % {"max": MAX_REFERENCES, "n": len(uploads)}
            )
        errors = []
        for number, upload in enumerate(uploads, start=1):
            try:
                self.reference_photos.append(clean_photo(upload))
            except ValidationError as exc:
                errors += [
                    _("Reference photo %(n)d (%(name)s): %(error)s")
                    % {"n": number, "name": upload.name[:80], "error": message}
                    for message in exc.messages
                ]
        if errors:
            self.reference_photos = []
            raise ValidationError(errors)
        return uploads

    def clean_effect_image(self):
        upload = self.cleaned_data.get("effect_image")
        if upload:
            self.effect_photo = clean_photo(upload)
        return upload

    def clean_second_image(self):
        upload = self.cleaned_data.get("second_image")
        if upload:
            self.second_photo = clean_photo(upload)
        return upload

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind is None:
            return data
        if kind != Job.Kind.EFFECT:
            self.second_photo = None  # only two-photo effects take one
        if kind == Job.Kind.STORYBOARD:
            self._clean_storyboard(data)
        elif kind == Job.Kind.RESTYLE:
            clean_restyle(self, data)
            if not data.get("prompt"):
                self.add_error("prompt", _("Describe the change you want."))
        elif kind == Job.Kind.EFFECT:
            effects.clean_form(self, data)
        elif kind == Job.Kind.ADD_SOUND:
            add_sound.clean_add_sound(self, data)
        elif kind == Job.Kind.IMAGE_TO_VIDEO:
            if not self.photo and "image" not in self.errors:
                self.add_error("image", _("Choose a photo to bring to life."))
            if self.photo:
                # The video keeps the photo's shape, not whatever ratio the form last showed.
                data["aspect_ratio"] = aspect_ratio_of(*self.photo[1].size)
            if not data.get("prompt"):
                data["prompt"] = OLD_PHOTO_PROMPT
        elif not data.get("prompt"):
            self.add_error("prompt", _("Describe what you want to see."))
        if kind == Job.Kind.EXTEND:
            data["source"] = self._clean_source(data.get("source_job"))
            data["duration_s"] = 5
        if kind == Job.Kind.STORYBOARD:
            data["camera_movement"] = "static"  # each shot has its own
        if kind == Job.Kind.ADD_SOUND:
            data["sound"] = data.get("source") is not None  # what the job is for
        elif kind not in SOUND_KINDS:
            data["sound"] = False  # the option is not offered there
        elif data.get("sound") and self.end_photo:
            self.add_error(
                "sound", _("Sound comes without an end frame: remove the end frame or the sound.")
            )
        if kind == Job.Kind.TEXT_TO_PICTURE:
            data["duration_s"] = None
            data["camera_movement"] = "static"
        else:
            data["num_images"] = 1
        if data.get("seed") is None:
            data["seed"] = secrets.randbelow(MAX_SEED + 1)
        return data

    def _clean_storyboard(self, data):
        """2 to MAX_SHOTS shots, each with a prompt; the story lasts the sum of its shots, at
        most the longest video. Sets `shots`, `duration_s` (the sum) and `prompt` (the shots'
        prompts, one a line: what My works and the job page show)."""
        rows = storyboard_rows(self.data)
        if len(rows) > MAX_SHOTS:
            self.add_error(
                None,
                _("A storyboard has at most %(max)d shots; this one has %(n)d.")
                % {"max": MAX_SHOTS, "n": len(rows)},
            )
            return
        if len(rows) < MIN_SHOTS:
            self.add_error(
                None,
                _("A storyboard needs at least %(min)d shots: write a prompt for each.")
                % {"min": MIN_SHOTS},
            )
            return
        shots = []
        for n in rows:
            prompt = (data.get(f"shot_prompt_{n}") or "").strip()
            if not prompt:
                self.add_error(f"shot_prompt_{n}", _("Describe what happens in this shot."))
                continue
            shots.append(
                {
                    "prompt": prompt,
                    "duration_s": data.get(f"shot_duration_{n}") or 3,
                    "camera_movement": data.get(f"shot_camera_{n}") or "static",
                }
            )
        total = sum(shot["duration_s"] for shot in shots)
        if total > STORYBOARD_SECONDS[-1]:
            self.add_error(
                None,
                _("The shots add up to %(s)d s; a storyboard lasts at most %(max)d s.")
                % {"s": total, "max": STORYBOARD_SECONDS[-1]},
            )
        data["shots"] = shots
        data["duration_s"] = total
        data["prompt"] = "\n".join(shot["prompt"] for shot in shots)

    def _clean_source(self, source_id):
        if not source_id:
            self.add_error("source_job", _("Choose one of your finished videos to extend."))
            return None
        source = (
            Job.objects.filter(
                pk=source_id, user=self.user, status=Job.Status.SUCCEEDED, deleted_at=None
            )
            .exclude(kind=Job.Kind.TEXT_TO_PICTURE)
            .prefetch_related("assets")
            .first()
        )
        video = source.video if source else None
        if video is None:
            # Someone else's job, a picture, or one still running: all look the same from here.
            self.add_error("source_job", _("That video is not one of your finished videos."))
            return None
        if source.params.get("sound"):
            # Extensions are silent calls: the joined file would lose sync with its soundtrack.
            self.add_error(
                "source_job",
                _(
                    "This video has sound, which an extension would not continue: choose a video "
                    "without sound to extend."
                ),
            )
            return None
        if (video.duration_s or 0) + 5 > MAX_CHAIN_SECONDS:
            self.add_error(
                "source_job",
                _("This video is already %(s)d s long; the limit is 3 minutes.")
                % {"s": video.duration_s},
            )
            return None
        return source

    def job_params(self) -> dict:
        """What is stored on the job and priced: plain JSON values only."""
        d = self.cleaned_data
        return {
            "aspect_ratio": d["aspect_ratio"],
            "duration_s": d["duration_s"],
            "mode": d["mode"],
            "creativity": d["creativity"],
            "seed": d["seed"],
            "camera_movement": d["camera_movement"],
            "num_images": d["num_images"],
            **({"shots": d["shots"]} if d["kind"] == Job.Kind.STORYBOARD else {}),
            **(
                {"strength": d["strength"], "source_s": d["source_s"]}
                if d["kind"] == Job.Kind.RESTYLE
                else {}
            ),
            **({"source_s": d["source_s"]} if d["kind"] == Job.Kind.ADD_SOUND else {}),
            **(effects.job_params(d) if d["kind"] == Job.Kind.EFFECT else {}),
            **({"sound": True} if d.get("sound") else {}),
        }


class AppealForm(forms.Form):
    message = forms.CharField(
        max_length=APPEAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Why should this be allowed?"),
    )
