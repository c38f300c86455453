"""gunicorn settings for the web container, read from the environment (docs/CONFIGURATION.md)."""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes times threads is how many requests run at once; keep DB_POOL_SIZE at least the threads.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# docker stop waits 10 s before SIGKILL: finish requests in flight well within that.
graceful_timeout = 8
keepalive = 5
# The app writes its own access line per request (JSON in production, with request id, user and
# item: docs/OBSERVABILITY.md), so gunicorn's would only repeat it; errors go to stderr, where the
# container runtime collects them.
accesslog = None
errorlog = "-"
# The heartbeat file on tmpfs: an overlay filesystem can stall it and get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only a reverse proxy on these addresses may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No preload: each worker builds its own app, engine and pool after the fork.
preload_app = False


def child_exit(server, worker):
    # A dead worker's live gauges must leave the sum /metrics serves (docs/OBSERVABILITY.md).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
