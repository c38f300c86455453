"""The app object `celery -A tasks worker` and `celery -A tasks beat` load (only the CLI imports this)."""
from tasks import logs, make_celery, metrics
from workflow.kernel.settings import Settings, load_dotenv_if_present

load_dotenv_if_present()
settings = Settings.from_env()
app = make_celery(settings)
logs.install(settings)      # the web's format and redaction, with the task's id and name
metrics.install(settings)   # task counts and durations; /metrics on WORKER_METRICS_PORT when set
