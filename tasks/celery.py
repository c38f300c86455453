"""The app object `celery -A tasks worker` and `celery -A tasks beat` load (only the CLI imports this)."""
from tasks import make_celery

app = make_celery()
