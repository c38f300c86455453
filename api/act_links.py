"""Act from an e-mail: GET shows a confirmation page (nothing changes); its POST does the action."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template_string, request

from workflow.approvals import action_links
from workflow.approvals import kernel
from workflow.kernel.db import utcnow
from workflow.kernel.errors import DomainError, Forbidden
from workflow.kernel.texts import N_, language, text
from workflow.worklist.registry import FLOWS

from .web.errors import status_of

blp = Blueprint("act_links", __name__, url_prefix="/act")

# Message ids of the page's words; the page is in the approver's language, not the browser's.
WORDS = {
    "approve": N_("Approve"), "return": N_("Return"), "reject": N_("Reject"),
    "confirm": N_("Confirm"), "comment": N_("Comment"), "needed": N_("(required)"),
    "done": N_("Done: {number} is now {status}."), "failed": N_("Not done: {message}"),
}

PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jieyue · {{ title }}</title></head>
<body>
<main>
<h1>{{ title }}</h1>
{% if item %}<p><strong>{{ item.number }}</strong> — {{ item.purpose }}{% if item.total %} · {{ item.total }} CNY{% endif %}
 · {{ item.status }}</p>{% endif %}
{% if message %}<p role="status">{{ message }}</p>{% endif %}
{% if form %}
<form method="post">
  <label for="comment">{{ words.comment }} {% if needs_comment %}{{ words.needed }}{% endif %}</label><br>
  <textarea id="comment" name="comment" rows="3" cols="40" {% if needs_comment %}required{% endif %}></textarea><br>
  <button type="submit">{{ words.confirm }}: {{ title }}</button>
</form>
{% endif %}
</main></body></html>"""


def _load(token: str):
    runtime = current_app.extensions["jieyue"]
    link = action_links.read(runtime.settings.secret_key, token, utcnow())
    with runtime.uow() as uow:
        user = uow.users.get(link["user_id"])
        if user is None or not user.active:
            raise Forbidden("this link's user cannot act")
        actor = user.as_actor()
    if link["kind"] not in FLOWS:  # a flow since retired
        raise Forbidden("this link is not valid")
    return runtime, link, actor


def _item(runtime, link, actor) -> dict:
    return kernel.get(FLOWS[link["kind"]], link["item_id"], actor, runtime.uow())


def _render(lang, title, status=200, **context):
    words = {k: text(v, lang) for k, v in WORDS.items()}
    return render_template_string(PAGE, lang=lang, title=title, words=words, **context), status


@blp.route("/<token>", methods=["GET", "POST"])
def act(token: str):
    try:
        runtime, link, actor = _load(token)
    except DomainError as exc:
        return _render("en", "Jieyue", 403, message=exc.message)
    lang = language(actor.language)
    title = text(WORDS[link["action"]], lang)
    try:
        item = _item(runtime, link, actor)
    except DomainError as exc:
        return _render(lang, title, 404, message=text(WORDS["failed"], lang, message=exc.message))
    if request.method == "GET":
        return _render(lang, title, item=item, form=True, needs_comment=link["action"] in ("return", "reject"))
    comment = (request.form.get("comment") or "").strip()[:2000] or None
    try:
        item = kernel.act(FLOWS[link["kind"]], link["item_id"], link["action"], link["version"], actor,
                          runtime.uow(), comment=comment)
    except DomainError as exc:
        return _render(lang, title, status_of(exc), item=item, message=text(WORDS["failed"], lang, message=exc.message))
    done = text(WORDS["done"], lang, number=item["number"], status=item["status"])
    return _render(lang, title, item=item, message=done)
