"""IMAP and SMTP clients that connect to the address checked for their server, like safe_http's.

imaplib and smtplib resolve the server's name again when they connect, so checking it beforehand
leaves a window for a DNS answer that changes in between. These subclasses open their socket with
`safe_http.connect_checked` instead; TLS (implicit or STARTTLS) still sends and verifies the name.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket

from animateur.channels.safe_http import connect_checked


class IMAP4(imaplib.IMAP4):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        return connect_checked(self.host, self.port, timeout)


class IMAP4_SSL(imaplib.IMAP4_SSL):  # noqa: N801 - imaplib's name
    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = connect_checked(self.host, self.port, timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def _source(smtp: smtplib.SMTP) -> tuple[str, int] | None:
    address = smtp.source_address
    return (str(address[0]), int(address[1])) if isinstance(address, tuple) else None


class SMTP(smtplib.SMTP):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return connect_checked(host, port, timeout, _source(self))


class SMTP_SSL(smtplib.SMTP_SSL):  # noqa: N801 - smtplib's name
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = connect_checked(host, port, timeout, _source(self))
        return self.context.wrap_socket(sock, server_hostname=host)
