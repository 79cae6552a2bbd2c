#!/usr/bin/python3
"""A webhook receiver for the tests: HTTPS on 127.0.0.1 with the test's self-signed
certificate, verifying every Standard Webhooks signature itself (hmac, hashlib, base64:
none of the hub's code), and told how to answer by a file per path.

Usage: webhook_receiver.py PORT_FILE CERT KEY DIR

A POST to /NAME reads DIR/NAME.json, {"secret": "whsec_...", "fail": N, "hang": true}:
the first N requests are answered 500, the rest 200; with "hang" each request waits until
DIR/NAME.release exists before answering. Each request is appended to DIR/NAME.log as one
JSON line: webhook-id, webhook-timestamp, whether the signature verified, the body, the
arrival time and what was answered. PORT_FILE gets the port once it listens.
"""
import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, CERT, KEY, DIR = sys.argv[1:5]
COUNTS = {}
LOCK = threading.Lock()


def verified(secret, msg_id, timestamp, body, header):
    if not secret.startswith("whsec_"):
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for part in header.split(" "):
        version, _, signature = part.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        name = self.path.strip("/").split("?")[0] or "root"
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            with open(os.path.join(DIR, name + ".json")) as f:
                config = json.load(f)
        except OSError:
            config = {}
        with LOCK:
            COUNTS[name] = COUNTS.get(name, 0) + 1
            count = COUNTS[name]
        msg_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        ok = verified(config.get("secret", ""), msg_id, timestamp, body,
                      self.headers.get("webhook-signature", ""))
        status = 500 if count <= config.get("fail", 0) else 200
        line = {"id": msg_id, "timestamp": timestamp, "signature_ok": ok,
                "body": body.decode("utf-8", "replace"), "arrival": time.time(),
                "status": status}
        with LOCK:
            with open(os.path.join(DIR, name + ".log"), "a") as f:
                f.write(json.dumps(line) + "\n")
        if config.get("hang", False):
            # Until the test lets go (DIR/NAME.release), five minutes at most.
            release = os.path.join(DIR, name + ".release")
            for _ in range(3000):
                if os.path.exists(release):
                    break
                time.sleep(0.1)
        answer = (b"receiver says no" if status != 200 else b"received") + b" " + msg_id.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass  # the sender gave up waiting


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    server = Server(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
