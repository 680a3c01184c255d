"""gn_det/data/resumable_loader.py: what its data workers do besides loading."""

import threading

from gn_det.data.resumable_loader import quiet_when_consumer_leaves


def _thread_raising(exc):
    def run():
        raise exc

    return threading.Thread(target=run)


def test_worker_threads_are_quiet_when_the_consumer_leaves(capsys):
    """A data worker prints no traceback when its consumer's connection drops mid-transfer,
    and still reports anything else (its hook, run in this process for the test)."""
    before = threading.excepthook
    threading.excepthook = quiet_when_consumer_leaves
    try:
        for exc in (ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")):
            thread = _thread_raising(exc)
            thread.start()
            thread.join()
        assert capsys.readouterr().err == ""
        thread = _thread_raising(ValueError("a real bug"))
        thread.start()
        thread.join()
        assert "ValueError: a real bug" in capsys.readouterr().err
    finally:
        threading.excepthook = before
