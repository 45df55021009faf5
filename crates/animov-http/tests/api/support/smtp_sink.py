"""A local SMTP server for the email tests: stores each message it accepts
as a file in OUT_DIR (recipients, decoded subject, decoded text), refuses the first FAIL_FIRST messages with a
temporary error (451), and runs until killed. Needs Debian's python3-aiosmtpd
(installed by the test setup).

    /usr/bin/python3 smtp_sink.py OUT_DIR [FAIL_FIRST]

Prints "ready PORT" once listening on 127.0.0.1 (a free port).
"""
import email
import email.policy
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller

out_dir = sys.argv[1]
fail_first = int(sys.argv[2]) if len(sys.argv) > 2 else 0


class Sink:
    def __init__(self):
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen <= fail_first:
            return "451 4.3.0 try again later"
        name = os.path.join(out_dir, "%03d.eml" % self.seen)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = "X-Rcpt: %s\nFrom: %s\nSubject: %s\n\n%s" % (
            ",".join(envelope.rcpt_tos),
            msg["from"],
            msg["subject"],
            msg.get_body(("plain",)).get_content(),
        )
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(name + ".tmp", name)
        return "250 OK"


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
print("ready %d" % port, flush=True)
while True:
    time.sleep(3600)
