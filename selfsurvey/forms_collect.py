"""Forms of the respondent web form and the code sheet, and the form's signed state.

The form works without JavaScript and without a server-side session: the answers of the pages
already seen, the start time, the page and the language travel in one signed hidden field
(django.core.signing, salted with the link), so a respondent's browser carries them and the
server keeps nothing between pages.
"""

import time
from dataclasses import dataclass, field

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from . import collection

STATE_MAX_AGE_SECONDS = 24 * 60 * 60


@dataclass
class FormState:
    started: float  # epoch seconds of the first page
    page: int = 0
    language: str = "id"
    code: str = ""
    answers: dict = field(default_factory=dict)
    comment: str = ""

    @classmethod
    def begin(cls, *, language, code=""):
        return cls(started=time.time(), language=language, code=code)

    def dumps(self, token: str) -> str:
        payload = {
            "t": self.started,
            "p": self.page,
            "l": self.language,
            "c": self.code,
            "a": self.answers,
            "k": self.comment,
        }
        return signing.dumps(payload, salt=_salt(token), compress=True)

    @classmethod
    def loads(cls, token: str, text: str) -> "FormState":
        """The state the form carried; signing.BadSignature if it was altered, is from another
        link or older than a day."""
        payload = signing.loads(text, salt=_salt(token), max_age=STATE_MAX_AGE_SECONDS)
        try:
            return cls(
                started=float(payload["t"]),
                page=int(payload["p"]),
                language=str(payload["l"]),
                code=str(payload["c"]),
                answers={str(k): v for k, v in dict(payload["a"]).items()},
                comment=str(payload["k"]),
            )
        except (KeyError, TypeError, ValueError) as broken:
            raise signing.BadSignature("unreadable form state") from broken


def _salt(token: str) -> str:
    return f"selfsurvey.respond:{token}"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your single-use code"),
        max_length=20,
        help_text=_("Printed on the slip you received, e.g. ACDE-FGHJ."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit

    def clean_code(self):
        code = collection.normalize_code(self.cleaned_data["code"])
        if not collection.code_usable(self.unit, code):
            raise forms.ValidationError(
                _("This code is not valid for this form or has been used already.")
            )
        return code


def field_name(item) -> str:
    return f"q_{item.code}"


class PageForm(forms.Form):
    """One page's questions as radio buttons, all optional; the last page adds the comment."""

    def __init__(self, *args, items, state: FormState, last: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[field_name(item)] = forms.TypedChoiceField(
                label=item.wording,
                choices=[(str(v), label) for v, label in collection.answer_options(item)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                initial=_initial(state.answers.get(item.code)),
            )
        if last:
            self.fields["comment"] = forms.CharField(
                label=_("Anything else you want the Inspectorate to know? (optional)"),
                help_text=_("Read only by the Inspectorate. Please do not write names."),
                required=False,
                max_length=collection.COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=state.comment,
            )

    def questions(self):
        return [(item, self[field_name(item)]) for item in self.items]

    def answers(self) -> dict:
        return {item.code: self.cleaned_data.get(field_name(item)) for item in self.items}


def _initial(value):
    return None if value is None else str(value)


class CodeIssueForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=collection.MAX_CODES_PER_BATCH,
        initial=50,
        help_text=_("One code per internal respondent; each works once."),
    )
