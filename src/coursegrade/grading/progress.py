"""Batch progress: a bar with count, rate and ETA on a terminal; one plain line per item in logs."""
import time


class Progress:
    def __init__(self, total, out):
        self.total, self.out, self.done = total, out, 0
        self.started = time.monotonic()
        self.tty = hasattr(out, "isatty") and out.isatty()

    def advance(self, label, summary):
        self.done += 1
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        if self.tty:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.out.write(f"\r[{bar}] {self.done}/{self.total}  {rate:.1f}/s  ETA {eta:.0f}s  "
                           f"{label[:20]:<20} {summary[:40]:<40}")
        else:
            self.out.write(f"[{self.done}/{self.total}] {label}: {summary} "
                           f"({rate:.1f}/s, ETA {eta:.0f}s)\n")
        self.out.flush()

    def close(self):
        if self.tty and self.done:
            self.out.write("\n")
            self.out.flush()
