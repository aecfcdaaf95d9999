"""Follow-up email over SMTP (``aiosmtplib``): STARTTLS or implicit TLS when configured,
login when a user is set. Accepted means the server answered the message with 250."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

__all__ = ["MailError", "SmtpMailer", "build_email"]


class MailError(Exception):
    """The SMTP server refused the message or could not be reached."""


def build_email(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message (Chinese subjects are RFC 2047-encoded by the library)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


@dataclass
class SmtpMailer:
    """One SMTP relay."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_tls: bool = False
    timeout_s: float = 10.0

    async def send(self, to: str, subject: str, body: str) -> str:
        """Send one message; returns its Message-ID.

        Raises:
            MailError: refused or unreachable.
        """
        message = build_email(self.sender, to, subject, body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                use_tls=self.use_tls,
                timeout=self.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        return str(message["Message-ID"])
