"""A do-nothing OTLP/HTTP receiver for the observability benchmark: it reads each export and answers
200 with an empty ExportTraceServiceResponse (an empty protobuf message is zero bytes), counting
requests and bytes so the table can show what was exported. It decodes nothing, so it costs as
little CPU as a receiver can.

    python bench/otlp_sink.py PORT     # GET /stats → {"requests": n, "bytes": n}
"""

import http.server
import json
import sys
import threading

LOCK = threading.Lock()
STATS = {"requests": 0, "bytes": 0}


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with LOCK:
            STATS["requests"] += 1
            STATS["bytes"] += length
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with LOCK:
            body = json.dumps(STATS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
