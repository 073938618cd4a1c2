"""The poll form as questions (``afstemning opret`` alone): the question, the options one per
line, the closing time as people write it, and whether several answers may be chosen. An empty
first answer cancels; a refused form asks again the fields it names."""

from __future__ import annotations

from dataclasses import replace

from bot import texts
from bot.replies import FormErrors, PollField, PollFormRequest
from bot.service.klimanet import PollForm
from bot.service.parsing import fold
from bot.texts import polls as poll_texts
from handlers.console.forms import Console

MAX_OPTIONS = 10
YES = frozenset({"ja", "j", "yes", "y"})


class _Ended(Exception):
    """The input ended in the middle of the form."""


def _ask(console: Console, question: str) -> str:
    answer = console.ask(question)
    if answer is None:
        raise _Ended
    return answer


def poll_form(console: Console, request: PollFormRequest) -> None:
    try:
        _fill(console)
    except _Ended:
        return


def _fill(console: Console) -> None:
    question = _ask(console, poll_texts.FORM_QUESTION + ": ")
    if not question.strip():
        console.say(texts.edge.CONSOLE_CANCELLED)
        return
    form = PollForm(question, (), "", False)
    asking = {PollField.OPTIONS, PollField.DATE, PollField.MULTIPLE}
    while True:
        if PollField.QUESTION in asking:
            form = replace(form, question=_ask(console, poll_texts.FORM_QUESTION + ": "))
        if PollField.OPTIONS in asking:
            form = replace(form, options=_options(console))
        if asking & {PollField.DATE, PollField.TIME}:
            form = replace(form, closing=_ask(console, poll_texts.FORM_CLOSING + " "))
        if PollField.MULTIPLE in asking:
            answer = _ask(console, poll_texts.FORM_MULTIPLE_QUESTION + " ")
            form = replace(form, multiple=fold(answer.strip()) in YES)
        result = console.service.submit_poll_form(console.actor(), form)
        if not isinstance(result, FormErrors):
            console.show(result)
            return
        for message in result.errors.values():
            console.say(message)
        asking = {PollField(field) for field in result.errors}


def _options(console: Console) -> tuple[str, ...]:
    options: list[str] = []
    while len(options) < MAX_OPTIONS:
        number = len(options) + 1
        answer = _ask(console, poll_texts.FORM_OPTION_QUESTION.format(number=number) + ": ")
        if not answer.strip():
            break
        options.append(answer.strip())
    return tuple(options)
