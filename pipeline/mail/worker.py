"""The watcher's mail: a background thread that delivers messages, so that a slow or absent SMTP
server never delays the processing of files (``entretiens surveiller``)."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from ..config import Config

log = logging.getLogger("entretiens")

DELIVERY_EVERY_S = 60.0  # queued messages (and retries due) are looked at this often, or when poked


class MailWorker:
    """Delivers what :func:`pipeline.mail.dispatch` finds due, in its own thread (its own journal
    connection), every :data:`DELIVERY_EVERY_S` seconds and whenever :meth:`poke` is called (after
    each workbook rebuild). With ``courriel.relances_automatiques``, it also sends the reminders,
    once a day at most (each evaluator at most once per ``courriel.relances_jours``)."""

    def __init__(self, config: Config, *, every: float = DELIVERY_EVERY_S):
        self.config, self.every = config, every
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="entretiens-courriels", daemon=True)
        self.reminded_on: dt.date | None = None
        self.rounds = 0  # deliveries done (tests and health)

    def start(self) -> "MailWorker":
        self._thread.start()
        return self

    def poke(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Deliver once more what is due, then stop the thread and wait for it (within the SMTP
        timeout: a server that does not answer never holds the service's stop for long)."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(self.config.mail.smtp.timeout + 5 if timeout is None else timeout)

    def _run(self) -> None:
        from . import dispatch
        from .reminders import send_reminders

        while True:
            self._wake.wait(self.every)
            self._wake.clear()
            stopping = self._stopping.is_set()
            try:
                dispatch(self.config)  # at stop too: what the last rebuild queued goes out before the end
                today = dt.date.today()
                if not stopping and self.config.mail.automatic_reminders and self.reminded_on != today:
                    self.reminded_on = today
                    run = send_reminders(self.config, today=today)
                    if run.queued:
                        log.info("Relances automatiques : %d message(s) aux évaluateurs.", len(run.queued))
            except Exception:  # noqa: BLE001 - mail never stops the service; tried again at the next round
                log.exception("Courriels : erreur inattendue ; nouvel essai dans %g s.", self.every)
            self.rounds += 1
            if stopping:
                break
