"""The feedback form as questions ("Skriv en kommentar" on "Hvordan var mødet?"): the rating,
the comment, and whether KL may see it is from you. The same check as Slack's ack (no
database), then saved; a refused answer is asked again. An empty first answer cancels."""

from __future__ import annotations

from dataclasses import replace

from bot import texts
from bot.replies import FeedbackField, FeedbackFormRequest
from bot.service.klimanet import FeedbackForm
from bot.service.parsing import fold
from bot.texts import loop as loop_texts
from handlers.console.forms import Console

YES = frozenset({"ja", "j", "yes", "y"})


class _Ended(Exception):
    """The input ended in the middle of the form."""


def _ask(console: Console, question: str) -> str:
    answer = console.ask(question)
    if answer is None:
        raise _Ended
    return answer


def feedback_form(console: Console, value: str) -> None:
    outcome = console.service.feedback_form(console.actor(), value)
    if not isinstance(outcome, FeedbackFormRequest):
        console.show(outcome)  # cancelled, not there: the reason
        return
    try:
        _fill(console, outcome)
    except _Ended:
        return


def _rating(console: Console, request: FeedbackFormRequest) -> str | None:
    now = f" [{request.rating}]" if request.rating else ""
    answer = _ask(console, f"{loop_texts.FEEDBACK_FORM_RATING}{now}: ").strip()
    if not answer and request.rating:
        return str(request.rating)
    return answer or None


def _fill(console: Console, request: FeedbackFormRequest) -> None:
    console.say(request.meeting)
    rating = _rating(console, request)
    if rating is None:
        console.say(texts.edge.CONSOLE_CANCELLED)
        return
    form = FeedbackForm(request.meeting_id, rating, "", request.signed)
    asking = {FeedbackField.COMMENT, FeedbackField.SIGNED}
    while True:
        if FeedbackField.RATING in asking:
            form = replace(form, rating=_rating(console, request) or "")
        if FeedbackField.COMMENT in asking:
            form = replace(form, comment=_ask(console, f"{loop_texts.FEEDBACK_FORM_COMMENT}: "))
        if FeedbackField.SIGNED in asking:
            answer = _ask(console, loop_texts.FEEDBACK_FORM_SIGNED_QUESTION + " ")
            form = replace(form, signed=fold(answer.strip()) in YES)
        problems = console.service.check_feedback_form(form)
        if problems is None:
            console.show(console.service.save_feedback_form(console.actor(), form))
            return
        for message in problems.errors.values():
            console.say(message)
        asking = {FeedbackField(field) for field in problems.errors}
