"""Signals the command line turns into exceptions, so that its cleanup runs."""

import signal
import threading


def exit_on_sigterm():
    """Make SIGTERM raise ``SystemExit(143)``, so that cleanup runs; returns the undo.

    Python's default SIGTERM ends the process at once, which would leave the
    hidden staging folder beside ``--out``.  Signal handlers can only be set
    from the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    return lambda: signal.signal(signal.SIGTERM,
                                 signal.SIG_DFL if previous is None else previous)
