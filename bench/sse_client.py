"""Opens N Server-Sent-Event streams on one edge and measures how late each live event arrives.

    python bench/sse_client.py --port 8080 --streams 10000 --path /api/v1/interview/tasks/T1/stream ...

Each stream is a plain HTTP/1.1 GET with a hand-written chunked-body and SSE parser (asyncio,
one process), so the client costs little next to the server it measures. An event is *live*
when its `timestamp` (set by the worker when it published the event) is not older than the
moment its stream was accepted; its delay is receive time − timestamp (both from this machine's
clock; the timestamp has millisecond resolution). Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
import time


def parse_time(text: str) -> float:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


class Totals:
    def __init__(self):
        self.connected = 0
        self.failed = 0
        self.closed = 0
        self.events = 0
        self.replayed = 0
        self.error_events = 0
        self.delays: list[float] = []
        self.errors: list[str] = []


async def one_stream(host: str, port: int, path: str, totals: Totals, gate: asyncio.Semaphore, all_connected: asyncio.Event, target: int):
    try:
        async with gate:
            reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
            status = await reader.readline()
            if b" 200 " not in status:
                raise RuntimeError(f"status {status.decode(errors='replace').strip()}")
            chunked = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                    chunked = True
            connected_at = time.time()
            totals.connected += 1
            if totals.connected == target:
                all_connected.set()
        buffer = b""
        done = False
        while not done:
            if chunked:
                size_line = await reader.readline()
                if not size_line:
                    break
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    break
            now = time.time()
            buffer += data
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                event, payload = "message", None
                for line in block.decode().split("\n"):
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        payload = line[5:].strip()
                if event == "close":
                    done = True
                    break
                if event == "error":
                    totals.error_events += 1
                    continue
                if payload is None:
                    continue
                stamp = json.loads(payload).get("timestamp")
                if not stamp:
                    continue
                published = parse_time(stamp)
                if published + 0.001 >= connected_at:
                    totals.events += 1
                    totals.delays.append(now - published)
                else:
                    totals.replayed += 1
        totals.closed += done
        writer.close()
    except Exception as error:  # counted and reported, never fatal for the other streams
        totals.failed += 1
        if len(totals.errors) < 5:
            totals.errors.append(f"{type(error).__name__}: {error}")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = max(0, min(len(sorted_values) - 1, int(round(p * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--streams", type=int, required=True)
    parser.add_argument("--path", action="append", required=True, help="stream paths, used round robin")
    parser.add_argument("--open-at-once", type=int, default=200, help="connections being opened at the same time")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--ready-file", help="written once every stream is connected")
    args = parser.parse_args()

    totals = Totals()
    gate = asyncio.Semaphore(args.open_at_once)
    all_connected = asyncio.Event()
    began = time.time()
    tasks = [
        asyncio.create_task(one_stream(args.host, args.port, args.path[i % len(args.path)], totals, gate, all_connected, args.streams))
        for i in range(args.streams)
    ]

    async def announce():
        await all_connected.wait()
        if args.ready_file:
            with open(args.ready_file, "w") as handle:
                handle.write(str(time.time() - began))

    announcer = asyncio.create_task(announce())
    _, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for task in pending:
        task.cancel()
    announcer.cancel()
    delays = sorted(totals.delays)
    print(json.dumps({
        "streams": args.streams,
        "connected": totals.connected,
        "failed": totals.failed,
        "closed": totals.closed,
        "unfinished": len(pending),
        "live_events": totals.events,
        "replayed_events": totals.replayed,
        "error_events": totals.error_events,
        "delay_ms": {
            "p50": round(percentile(delays, 0.50) * 1000, 1),
            "p99": round(percentile(delays, 0.99) * 1000, 1),
            "max": round((delays[-1] if delays else 0) * 1000, 1),
        },
        "errors": totals.errors,
        "seconds": round(time.time() - began, 2),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
