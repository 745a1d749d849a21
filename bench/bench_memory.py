"""Bounded memory of ``textmend repair``: peak RSS and throughput at 100 MB and 1 GB, and on one
200 MB line without a newline, each run as a subprocess (issue 9).

Inputs are written to a temporary folder (``--tmp``, default /tmp) and deleted at the end. The
text inputs repeat the PRC law corpus (../shared) with damage every few paragraphs: pinyin ruby
glued after characters, a line of UTF-8 read as latin-1, a line encoded as GBK (so the file
mixes encodings and the decoder works line by line), '?' for a lost decimal point; one
paragraph in ``--damage-every`` (20) is damaged. The single
line is the undamaged text with its newlines removed (its difficulty is its length). ``--jsonl-mb`` adds a JSON Lines input (one
record per law).

Constant memory means the 1 GB / 100 MB peak-RSS ratio is about 1. The anchor is ftfy's own
command line (``ftfy -e sloppy-windows-1252 FILE``: it fixes a file line by line, and
reading every byte as cp1252 is the one setting that accepts a file mixing encodings) on the same inputs, run in the
same way; ``--no-anchor`` skips it.

The spinner fixer is off by default here (``--spinner off``): it is the one fixer whose cost is
not linear in the text (some long passages take tens of seconds), which would make a 1 GB run
take hours without telling anything about memory; ``--textmend-args ''`` runs the defaults.

    python -m bench memory [--sizes 100,1000] [--line-mb 200] [--jsonl-mb 0] [--no-anchor]
                           [--tmp /tmp] [--textmend-args '--spinner off'] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import need_shared, pinyin_errors, print_table

MB = 1_000_000


def _laws() -> list[str]:
    path = need_shared() / "corpora" / "laws-cn.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def _cycle(texts: list[str], every: int) -> bytes:
    """One pass over the corpus as file bytes, one paragraph in ``every`` damaged (in turn:
    ruby, a UTF-8 line read as latin-1, a GBK line, a lost decimal point). Built once and
    repeated, so writing 1 GB costs seconds, not the pinyin look-ups of 1 GB."""
    from pypinyin import Style, pinyin

    out: list[bytes] = []
    k = 0
    for text in texts:
        for para in text.split("\n"):
            k += 1
            data = para.encode("utf-8")
            kind = (k // every) % 4 if para and k % every == 0 else -1
            if kind == 0:  # ruby on one character in four of the paragraph's start
                head = para[:40]
                readings = pinyin(head, style=Style.TONE, errors=pinyin_errors(""))
                glued = "".join(
                    ch + (f"({r[0]})" if i % 4 == 0 and r and r[0] and r[0] != ch else "")
                    for i, (ch, r) in enumerate(zip(head, readings, strict=False))
                )
                data = (glued + para[40:]).encode("utf-8")
            elif kind == 1:
                data = para.encode("utf-8").decode("latin-1").encode("utf-8")
            elif kind == 2:
                data = para.encode("gbk", errors="ignore")  # the file now mixes encodings
            elif kind == 3:
                data = (para + "增长率为12?5%。").encode("utf-8")
            out.append(data + b"\n")
    return b"".join(out)


def write_text(path: Path, size: int, texts: list[str], newline: bool = True, every: int = 20) -> int:
    """A text file of about ``size`` bytes: the damaged corpus repeated, or without
    ``newline`` the clean corpus as a single line."""
    cycle = _cycle(texts, every) if newline else "".join(t.replace("\n", "") for t in texts).encode("utf-8")
    written = 0
    with path.open("wb") as f:
        while written < size:
            chunk = cycle[: size - written]
            f.write(chunk)
            written += len(chunk)
    return written


def write_jsonl(path: Path, size: int, texts: list[str]) -> int:
    written = 0
    with path.open("wb") as f:
        k = 0
        while written < size:
            for text in texts:
                line = (json.dumps({"id": f"law-{k}", "text": text}, ensure_ascii=False) + "\n").encode()
                f.write(line)
                written += len(line)
                k += 1
                if written >= size:
                    break
    return written


# A small wrapper process runs the command: the child's peak RSS from rusage would otherwise
# start at this process's size (a forked child counts its parent's pages until it execs).
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(p.pid, flush=True)\n"
    "code = p.wait()\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code, flush=True)\n"
)


def measure(cmd: list[str], out: Path | None = None, size: int = 0) -> tuple[float, float, int, str, str]:
    """(peak RSS MB, wall seconds, exit code, stderr tail, peak-RSS timeline) of ``cmd``.

    While it runs, its high-water mark (/proc/PID/status VmHWM) is sampled against how much
    of ``out`` (its temp file) is written, so one run shows whether memory still grows after
    the first 10%.
    """
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, *cmd], stdout=subprocess.PIPE, stderr=err, text=True
        )
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        samples: list[tuple[int, float]] = []
        while proc.poll() is None:
            samples.append((_written(out), _hwm_mb(child)))
            time.sleep(0.5)
        seconds = time.perf_counter() - t0
        rss_kib, code = proc.stdout.read().split()
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", errors="replace").strip()
    peak = int(rss_kib) / 1024
    marks = []
    for pct in (10, 25, 50, 75):
        at = next((hwm for done, hwm in samples if size and done >= size * pct / 100), None)
        if at is not None:
            marks.append(f"{pct}%: {at:.0f}")
    timeline = ", ".join([*marks, f"end: {peak:.0f}"])
    return peak, seconds, int(code), tail, timeline


def _written(out: Path | None) -> int:
    """Bytes written so far to ``out``'s temp file (outputs appear only when complete)."""
    if out is None:
        return 0
    return sum(p.stat().st_size for p in out.parent.glob(f".{out.name}.*.tmp") if p.exists())


def _hwm_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def main(args: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench memory")
    ap.add_argument("--sizes", default="100,1000", help="text input sizes in MB, comma-separated")
    ap.add_argument("--line-mb", type=int, default=200, help="size of the single-line input (0: skip)")
    ap.add_argument("--jsonl-mb", default="0", help="JSON Lines input sizes in MB (0: skip)")
    ap.add_argument("--no-anchor", action="store_true", help="do not run ftfy on the same inputs")
    ap.add_argument("--anchor-max-mb", type=int, default=200, help="run ftfy only on inputs up to this size")
    ap.add_argument("--tmp", default="/tmp", help="where the inputs and outputs are written")
    ap.add_argument("--textmend-args", default="--spinner off", help="extra options for textmend repair")
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs")
    ap.add_argument("--damage-every", type=int, default=20, help="damage one paragraph in N")
    opts = ap.parse_args(args)
    texts = _laws()
    textmend = str(Path(sys.executable).with_name("textmend"))
    ftfy = shutil.which("ftfy", path=str(Path(sys.executable).parent))
    extra = shlex.split(opts.textmend_args)
    print(f"textmend repair {' '.join(extra)} FILE -o OUT --stats; anchor: {ftfy or 'ftfy not found'}")

    jobs: list[tuple[str, int]] = [("text", int(s) * MB) for s in opts.sizes.split(",") if int(s)]
    if opts.line_mb:
        jobs.append(("line", opts.line_mb * MB))
    jobs += [("jsonl", int(s) * MB) for s in opts.jsonl_mb.split(",") if int(s)]
    rows = []
    peaks: dict[str, list[tuple[int, float]]] = {}
    work = Path(tempfile.mkdtemp(prefix="textmend-bench-memory-", dir=opts.tmp))
    try:
        for kind, size in jobs:
            src = work / f"{kind}-{size // MB}mb.{'jsonl' if kind == 'jsonl' else 'txt'}"
            out = work / f"out-{src.name}"
            if kind == "jsonl":
                n = write_jsonl(src, size, texts)
            else:
                n = write_text(src, size, texts, newline=kind == "text", every=opts.damage_every)
            cmd = [textmend, "repair", *extra, str(src), "-o", str(out), "--stats"]
            if kind == "jsonl":
                cmd.insert(2, "--jsonl")
            rss, sec, code, err, timeline = measure(cmd, out, n)
            summary = next((ln for ln in err.splitlines() if "segmented" in ln or "flagged" in ln), "")
            if code != 0:
                print(f"textmend exited {code} on {src.name}:\n{err}", file=sys.stderr)
            same_size = out.stat().st_size if out.exists() else 0
            out.unlink(missing_ok=True)
            rows.append(["textmend", kind, n / MB, rss, sec, n / MB / sec, same_size / MB, code, timeline])
            peaks.setdefault(f"textmend {kind}", []).append((n, rss))
            if summary:
                print(f"{src.name}: {summary.strip()}")
            if not opts.no_anchor and ftfy and kind != "jsonl" and size <= opts.anchor_max_mb * MB:
                rss_a, sec_a, code_a, _, _ = measure(
                    [ftfy, "-e", "sloppy-windows-1252", str(src), "-o", str(out)]
                )
                out.unlink(missing_ok=True)
                rows.append(["ftfy (anchor)", kind, n / MB, rss_a, sec_a, n / MB / sec_a, "-", code_a, "-"])
                peaks.setdefault(f"ftfy {kind}", []).append((n, rss_a))
            src.unlink()
            print_table(
                "peak RSS of one run (subprocess)",
                [
                    "tool",
                    "input",
                    "MB in",
                    "peak RSS MB",
                    "seconds",
                    "MB/s",
                    "MB out",
                    "exit",
                    "peak RSS by output written",
                ],
                rows,
            )
    finally:
        if opts.keep:
            print(f"inputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for label, points in peaks.items():
        if len(points) > 1 and label.endswith(" text"):
            (n0, r0), (n1, r1) = points[0], points[-1]
            print(
                f"{label}: peak RSS {r1:.0f} MB at {n1 / MB:.0f} MB / {r0:.0f} MB at {n0 / MB:.0f} MB = {r1 / r0:.2f}"
            )
