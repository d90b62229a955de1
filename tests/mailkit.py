"""Helpers for the tests of messages (test_mail, test_agent_mail, test_reminders; no tests here).

- ``Server`` and ``Recorder``: a real SMTP server (aiosmtpd on 127.0.0.1, in this process) and
  its handler, which keeps what it accepts and refuses, holds or cuts where a real server would;
- ``workspace``: a copy of a module's prepared workspace with its ``courriel`` section set;
- ``messages``: what the workspace's journal says was sent, drafted or queued;
- ``run_rounds``: the watcher's mail thread poked, one round at a time;
- ``kill_once_kept``: a sender killed (SIGKILL) while the server holds the message it kept.
"""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller

from pipeline.config import load_config
from pipeline.journal import Journal


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


# -- a real SMTP server ----------------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage


DROP = "(connexion coupée)"  # a Recorder's reply that cuts the connection instead of answering


@dataclass
class Recorder:
    """aiosmtpd handler: keeps what it accepts; may refuse the sender, a recipient or DATA, hold
    DATA, or cut the connection (:data:`DROP`) where a real server or network would."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None  # "550 ..." for every recipient
    refuse_data: str | None = None  # "451 ..." at the end of DATA
    hold_data: float = 0.0  # seconds before answering DATA (after keeping the message)
    kept: threading.Event = field(default_factory=threading.Event)
    refuse_mail: list[str] = field(default_factory=list)  # replies to the next MAIL FROM, one each
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> reply (or DROP, once)
    data_replies: dict[str, str] = field(default_factory=dict)  # first recipient -> reply after DATA (or DROP, once)
    mail_from_seen: int = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_from_seen += 1
        if self.refuse_mail:
            return self.refuse_mail.pop(0)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        if (reply := self.rcpt_replies.get(address)) is not None:
            if reply != DROP:
                return reply
            del self.rcpt_replies[address]
            server.transport.close()
            return "250 OK"  # never read: the connection is gone
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        if (reply := self.data_replies.get(envelope.rcpt_tos[0])) is not None:
            if reply != DROP:
                return reply
            del self.data_replies[envelope.rcpt_tos[0]]
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed(envelope.content)))
            server.transport.close()  # the message was received, its answer never comes
            return "250 OK"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed(envelope.content)))
        self.kept.set()
        if self.hold_data:
            await asyncio.sleep(self.hold_data)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running aiosmtpd server on 127.0.0.1 (context manager)."""

    def __init__(self, handler: Recorder, **smtp: object):
        self.handler, self.port, self.smtp = handler, free_port(), smtp
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **smtp)

    def __enter__(self) -> "Server":
        for _ in range(4):  # the port taken since free_port() (another test worker's server): another one
            try:
                self.controller.start()
                return self
            except OSError:
                self.port = free_port()
                self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.smtp)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def kill_once_kept(handler: Recorder, child: subprocess.Popen, timeout: float = 60) -> None:
    """Kill ``child`` (SIGKILL) as soon as the server keeps a message and holds its answer (at
    the latest after ``timeout`` seconds, failing); the server answers the next ones at once."""
    try:
        assert handler.kept.wait(timeout), "the server never received the message"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    handler.hold_data = 0


# -- a workspace's mail ----------------------------------------------------------------------------


def workspace(prepared: Path, tmp_path: Path, mail: dict) -> Path:
    """A copy of the ``prepared`` workspace with ``courriel`` set to ``mail``; returns config.yaml."""
    base = tmp_path / "espace"
    shutil.copytree(prepared, base)
    settings = yaml.safe_load((base / "config.yaml").read_text(encoding="utf-8"))
    settings["courriel"] = mail
    (base / "config.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return base / "config.yaml"


def messages(config_path: Path, *kinds: str) -> list:
    """The messages the workspace's journal holds (of these ``kinds`` only, when given)."""
    with Journal(load_config(config_path).state_dir) as journal:
        return [m for m in journal.messages() if not kinds or m.kind in kinds]


def run_rounds(worker, count: int, timeout: float = 30) -> None:
    """Poke the watcher's mail thread ``count`` times, each time until it has done one more round
    (or ``timeout`` seconds have passed)."""
    for _ in range(count):
        before = worker.rounds
        worker.poke()
        deadline = time.monotonic() + timeout
        while worker.rounds == before and time.monotonic() < deadline:
            time.sleep(0.05)
