#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the xvsd web console in headless Chromium, through the DevTools protocol over a
pipe (--remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4, no websocket needed).

    console_check.py URL SCREENSHOT.png [--vips N] [--backends-down N] [--timeout S]

Loads URL, waits (bounded) for live data with rates (they appear from the second snapshot),
asserts on the DOM: VIP sections, each backend row's state, at least one rate above 0; saves a
screenshot. Works against the test driver or a real xvsd. Exit 0 pass, 1 fail, 77 skip."""

import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"

# Evaluated in the page: what the console shows, as plain data.
PROBE = """(() => {
  const vips = [...document.querySelectorAll("section.vip")].map(v => ({
    address: v.dataset.vip, state: v.dataset.state,
    backends: [...v.querySelectorAll("tr.backend")].map(b => ({
      address: b.dataset.backend, state: b.dataset.state })),
  }));
  const rates = [...document.querySelectorAll("td.rate[data-value]")]
    .map(td => Number(td.dataset.value));
  const conn = document.getElementById("connection");
  return { snapshots: Number(conn ? conn.dataset.snapshots || 0 : 0), vips, rates };
})()"""


def pipe_fds(commands, replies):
    """In the child: Chromium reads commands on fd 3 and writes replies on fd 4. Every other
    descriptor of ours is close-on-exec; the two are moved out of the way first so that
    neither is overwritten by the other's dup2."""
    commands = fcntl.fcntl(commands, fcntl.F_DUPFD, 10)
    replies = fcntl.fcntl(replies, fcntl.F_DUPFD, 10)
    os.dup2(commands, 3)
    os.dup2(replies, 4)


class Browser:
    """One headless Chromium, spoken to over the DevTools pipe."""

    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", "--window-size=1280,720",
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, start_new_session=True,
            preexec_fn=lambda: pipe_fds(to_chrome_r, from_chrome_w))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id = 0
        self.buffer = b""
        self.session = None

    def call(self, method, params=None, deadline=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = deadline or time.monotonic() + 30
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{method}: no reply from chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False})
        nav = self.call("Page.navigate", {"url": url})
        if nav.get("errorText"):
            raise RuntimeError(f"cannot load {url}: {nav['errorText']}")

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path):
        shot = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("screenshot")
    ap.add_argument("--vips", type=int, help="expected number of VIP sections")
    ap.add_argument("--backends-down", type=int, help="expected backend rows in state down")
    ap.add_argument("--timeout", type=float, default=30, help="seconds to wait for live data")
    args = ap.parse_args()

    if not os.access(CHROMIUM, os.X_OK):
        print(f"SKIP: {CHROMIUM} is not installed", file=sys.stderr)
        return 77
    # A test killed by its timeout still runs the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    profile = tempfile.mkdtemp(prefix="xvsd-console-check.")
    browser = None
    try:
        browser = Browser(profile)
        browser.open(args.url)
        deadline = time.monotonic() + args.timeout
        page = None
        while time.monotonic() < deadline:
            page = browser.evaluate(PROBE)
            if page and page["snapshots"] >= 2 and page["vips"] and page["rates"]:
                break
            time.sleep(0.2)  # the console polls every second; this only paces the probe
        browser.screenshot(args.screenshot)
        print(f"page: {json.dumps(page)}")
        print(f"screenshot: {args.screenshot}")

        failures = []
        if not page or page["snapshots"] < 2:
            failures.append(f"no live data within {args.timeout} s")
        else:
            if not page["vips"]:
                failures.append("no VIP section")
            if args.vips is not None and len(page["vips"]) != args.vips:
                failures.append(f"{len(page['vips'])} VIP sections, expected {args.vips}")
            backends = [b for v in page["vips"] for b in v["backends"]]
            if not backends:
                failures.append("no backend row")
            bad = [b for b in backends if b["state"] not in ("up", "down", "disabled")]
            if bad:
                failures.append(f"backend rows without a state: {bad}")
            down = sum(b["state"] == "down" for b in backends)
            if args.backends_down is not None and down != args.backends_down:
                failures.append(f"{down} backends down, expected {args.backends_down}")
            if not any(r > 0 for r in page["rates"]):
                failures.append(f"no rate above 0 among {page['rates']}")
        for f in failures:
            print(f"FAIL: {f}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
