"""A real SMTP server for tests (aiosmtpd), collecting what it accepts.

It can refuse (`respond_with("451 ...")`), be stopped and started again on the same port (an
outage), and wait before each answer (`delay`, seconds) like a hosted relay.
"""

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.sink.refusals.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:
            import asyncio

            await asyncio.sleep(self.sink.delay)
        if self.sink.answer:
            return self.sink.answer
        with self.sink.lock:
            self.sink.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host = host
        self.port = port or free_port()
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.answer: str | None = None  # e.g. "451 4.3.0 try later" refuses every message
        # recipient -> SMTP answer, e.g. "550 5.1.1 no such user"
        self.refusals: dict[str, str] = {}
        self.delay = 0.0
        self._controller: Controller | None = None

    def start(self):
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def respond_with(self, answer: str | None):
        self.answer = answer

    def recipients(self) -> list[str]:
        with self.lock:
            return [rcpt for m in self.messages for rcpt in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Wait until at least `count` messages arrived and return them; fail on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)} in {timeout}s")
