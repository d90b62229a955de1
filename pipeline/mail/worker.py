"""The watcher's mail: a background thread that delivers messages, so that a slow or absent SMTP
server never delays the processing of files (``entretiens surveiller``)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from ..config import Config
from ..text import counted

log = logging.getLogger("entretiens")

DELIVERY_EVERY_S = 60.0  # queued messages (and retries due) are looked at this often, or when poked
# After a setting refused by the server (the sender, the account, the login), the next delivery
# waits 5 min, 10, 20... at most 6 h: a wrong password is not tried every minute (an account
# locked out). Fixing config.yaml or the password means restarting the service: it tries at once.
SETTINGS_WAIT_S, SETTINGS_LONGEST_WAIT_S = 300.0, 6 * 3600.0


class MailWorker:
    """Delivers what :func:`pipeline.mail.dispatch` finds due, in its own thread (its own journal
    connection), every :data:`DELIVERY_EVERY_S` seconds and whenever :meth:`poke` is called (after
    each workbook rebuild). With ``courriel.relances_automatiques``, it also sends the reminders,
    once a day at most (each evaluator at most once per ``courriel.relances_jours``). After a
    setting the server refused, it only queues until the wait is over (:data:`SETTINGS_WAIT_S`).
    For a workspace that serves several employers, it does so for each employer in turn (their
    journals, their HR's notes and reminders; one mail server, one wait)."""

    def __init__(self, config: Config, *, every: float = DELIVERY_EVERY_S):
        self.config, self.every = config, every
        self.views = config.employer_views()
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="entretiens-courriels", daemon=True)
        self.reminded_on: dt.date | None = None
        self.rounds = 0  # deliveries done (tests and health)
        self.held_until = 0.0  # time.monotonic(): no delivery before, a setting being refused
        self._settings_refusals = 0

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
            today = dt.date.today()
            remind = not stopping and self.config.mail.automatic_reminders and self.reminded_on != today
            reminded, failed = 0, False
            for view in self.views:
                try:
                    # At stop too: what the last rebuild queued goes out before the end.
                    self._delivered(dispatch(view, deliver_now=time.monotonic() >= self.held_until))
                    if remind:
                        reminded += len(send_reminders(view, today=today,
                                                       deliver_now=time.monotonic() >= self.held_until).queued)
                except Exception:  # noqa: BLE001 - mail never stops the service; tried again at the next round
                    failed = True
                    where = f" ({view.employer.code})" if view.employer is not None else ""
                    log.exception("Courriels%s : erreur inattendue ; nouvel essai dans %g s.", where, self.every)
            if remind and not failed:  # tried again otherwise: no one is reminded twice within relances_jours
                self.reminded_on = today
                if reminded:
                    log.info("Relances automatiques : %s (évaluateurs, agents, autorité, N+2).",
                             counted(reminded, "message", "messages"))
            self.rounds += 1
            if stopping:
                break

    def _delivered(self, run) -> None:
        """After a delivery: a setting refused makes the next one wait, doubling each time."""
        delivery = run.delivery
        if delivery is None or delivery.busy:
            return
        if delivery.settings_problem:
            self._settings_refusals += 1
            wait = min(SETTINGS_WAIT_S * 2 ** (self._settings_refusals - 1), SETTINGS_LONGEST_WAIT_S)
            self.held_until = time.monotonic() + wait
            log.warning("Courriels : prochain essai d'envoi dans %d min (ou dès le redémarrage du service, après "
                        "la correction).", wait // 60)
        else:
            self._settings_refusals, self.held_until = 0, 0.0
