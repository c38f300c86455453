"""A database server that accepts connections but never answers costs a request seconds, not forever."""
from __future__ import annotations

import socket
import threading
import time

from api import create_app
from workflow.kernel import db


def test_a_silent_postgresql_server_gets_a_json_error_within_the_connect_timeout(monkeypatch):
    monkeypatch.setattr(db, "CONNECT_TIMEOUT_SECONDS", 2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes the handshake; nobody ever reads or writes
    accepted = []
    stop = threading.Event()

    def hold():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    port = silent.getsockname()[1]
    app = create_app({"DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/jieyue",
                      "SKIP_DOTENV": True, "TESTING": True})
    try:
        answer = {}

        def ask():  # in a thread, so that a regression fails this test instead of hanging the suite
            started = time.monotonic()
            answer["resp"] = app.test_client().post("/api/v1/auth/tokens",
                                                    json={"username": "staff1", "password": "x"})
            answer["took"] = time.monotonic() - started

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        asking.join(15)
        assert "resp" in answer, "no answer after 15 s: the request hangs on the silent server"
        resp, took = answer["resp"], answer["took"]
    finally:
        stop.set()
        holder.join(2)
        for conn in accepted:
            conn.close()
        silent.close()
        app.extensions["jieyue"].engine.dispose()
    assert accepted, "the app never reached the silent server"
    assert resp.status_code == 503 and resp.get_json()["code"] == "unavailable", resp.get_data(as_text=True)
    assert resp.headers["Retry-After"] == "5"
    assert took < 10, f"the request waited {took:.1f} s"
