#!/usr/bin/env python3
"""A real SMTP server for the notification tests: aiosmtpd on 127.0.0.1, STARTTLS required,
AUTH LOGIN/PLAIN required. Each accepted message is written to OUT_DIR/<n>.eml with the
envelope recipients in a first line "X-Envelope-To: ...". A recipient whose local part starts
with "reject" is refused for good (550), with "later" for now (451).

usage: smtp_server.py PORT_FILE CERT KEY USER PASSWORD OUT_DIR [DATA_DELAY_SECONDS]
Writes the port it listens on to PORT_FILE once it accepts connections; runs until killed.
DATA_DELAY_SECONDS (default 0) slows each message down before it is accepted, so that a test
can kill the sender while a batch is in progress.
"""
import asyncio
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port_file, cert, key, user, password, out_dir = sys.argv[1:7]
data_delay = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0


class Handler:
    count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        if local.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if data_delay > 0:
            # A client that goes away meanwhile never gets the 250: the message is not kept.
            await asyncio.sleep(data_delay)
        Handler.count += 1
        path = os.path.join(out_dir, "%d.eml" % Handler.count)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(("X-Envelope-From: %s\r\n" % envelope.mail_from).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    # handled=False: aiosmtpd itself answers a failure (535); True would leave the client waiting.
    return AuthResult(success=ok, handled=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
port = free_port()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                        require_starttls=True, authenticator=authenticator, auth_required=True,
                        auth_require_tls=True)
controller.start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(port_file + ".tmp", port_file)
while True:
    time.sleep(3600)
