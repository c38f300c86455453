"""Entry point for gunicorn and `flask --app wsgi`: the web app, handing outbox events to the tasks' broker."""
from api import create_app
from tasks.jobs import publish_events

app = create_app(publish_events=publish_events)
