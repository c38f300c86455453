#!/bin/sh
# Starts one Jieyue process: web | worker | beat | migrate | any other command, after the database answers.
# `exec` makes the process PID 1's replacement, so `docker stop`'s SIGTERM reaches gunicorn or Celery.
set -eu
cd "$(dirname "$0")/.."  # the project root: /app in the image
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

role="${1:-web}"
[ "$#" -gt 0 ] && shift
# Prometheus' multi-process files describe the processes of one run: a restart starts from empty.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ] && { [ "$role" = web ] || [ "$role" = worker ]; }; then
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
fi
case "$role" in
  web)
    python docker/wait_for_database.py
    exec gunicorn --config docker/gunicorn.conf.py "$@" wsgi:app ;;
  worker)
    python docker/wait_for_database.py
    exec celery -A tasks worker --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@" ;;
  beat)
    python docker/wait_for_database.py
    # One beat for the whole installation; its schedule file lives on a volume so restarts keep it.
    exec celery -A tasks beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule "${BEAT_SCHEDULE_FILE:-/var/lib/jieyue/celerybeat-schedule}" "$@" ;;
  migrate)
    python docker/wait_for_database.py
    exec alembic upgrade head ;;
  *)
    exec "$role" "$@" ;;
esac
