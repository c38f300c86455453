"""The app as gunicorn serves it in B4, plus two baselines on the same server: hello-world and SELECT 1.

gunicorn loads `tests.benchmarks.bench_wsgi:create_bench_app()`; DATABASE_URL and REDIS_URL come
from the environment as in production. Rate limits are off: B4 measures the engine, not the limiter.
"""
from __future__ import annotations

from api import create_app


def create_bench_app():
    app = create_app({"SKIP_DOTENV": True, "RATELIMIT_ENABLED": False})
    engine = app.extensions["jieyue"].engine

    @app.get("/bench/hello")
    def hello():
        return "hello"

    @app.get("/bench/select1")
    def select_one():
        # The same pool the API's units of work draw from.
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT 1").scalar())

    return app
