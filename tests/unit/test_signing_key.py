"""Issue 14, point 5: no public signing key. The key file on its own: made once per instance folder,
owner-only, agreed on by processes starting together, never the printed development value.

The app that uses it (sessions, e-mail links, restarts): tests/http/test_security_web.py.
"""
from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from workflow.kernel.settings import DEFAULT_SECRET, ConfigurationError, Settings
from workflow.kernel.signing_key import FILE_NAME, load_or_create


def test_each_instance_folder_gets_its_own_random_key(tmp_path):
    keys = {load_or_create(tmp_path / str(n), 32) for n in range(5)}
    assert len(keys) == 5


def test_the_printed_development_value_is_never_used(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": DEFAULT_SECRET}, instance_dir=tmp_path)
    assert settings.secret_key != DEFAULT_SECRET
    assert settings.secret_key == (tmp_path / FILE_NAME).read_text()


def test_a_configured_key_wins_and_no_file_is_made(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": "c" * 40}, instance_dir=tmp_path)
    assert settings.secret_key == "c" * 40 and not (tmp_path / FILE_NAME).exists()


def test_processes_starting_together_agree_on_one_key(tmp_path):
    barrier, keys = threading.Barrier(8), []

    def start():
        barrier.wait()
        keys.append(load_or_create(tmp_path, 32))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert os.listdir(tmp_path) == [FILE_NAME]  # no temporary file left behind


def _start_process(directory, barrier, keys):
    barrier.wait()
    keys.put(load_or_create(directory, 32))


def test_separate_processes_starting_together_agree_on_one_key(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier, keys = context.Barrier(4), context.Queue()
    processes = [context.Process(target=_start_process, args=(tmp_path, barrier, keys)) for _ in range(4)]
    for process in processes:
        process.start()
    found = [keys.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(30)
    assert len(set(found)) == 1 and found[0] == (tmp_path / FILE_NAME).read_text()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path, mode):
    load_or_create(tmp_path, 32)
    os.chmod(tmp_path / FILE_NAME, mode)
    with pytest.raises(ConfigurationError, match="can be read by others"):
        Settings.from_env({}, instance_dir=tmp_path)


@pytest.mark.parametrize("content", ["", "short", " " * 40])
def test_an_empty_or_short_key_file_is_refused(tmp_path, content):
    path = tmp_path / FILE_NAME
    path.write_text(content)
    os.chmod(path, 0o600)
    with pytest.raises(ConfigurationError, match="fewer than 32"):
        Settings.from_env({}, instance_dir=tmp_path)
