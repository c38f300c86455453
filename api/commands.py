"""What the commands share: a service run whose refusal ends the command with the service's message."""
from __future__ import annotations

import click

from workflow.kernel.errors import DomainError


def run(fn, done: str) -> None:
    """Call `fn()`; say `done`, or turn a DomainError into a click error naming each field's problem."""
    try:
        fn()
    except DomainError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(f"{exc.message}{' (' + details + ')' if details else ''}") from exc
    click.echo(done)
