#!/usr/bin/env python3
"""Start-up work of each bootstrap, from exec to its first `GET /next` (issue 13).

Python 3 standard library only; called by scripts/startup-profile.sh, not by hand:

  startup-probe.py --runs N --out DIR [--instructions] NAME=BOOTSTRAP ...

For every peer, in turns (run 1 of every peer, then run 2, ...):
  * page faults: a listener on 127.0.0.1:0 plays the Runtime API; the bootstrap is spawned
    against it (the environment Lambda sets, like benches/common); the moment its first
    request head (`GET .../next`) has arrived, its minor and major faults are read from
    /proc/PID/stat (all threads), then it is killed. Once with the file in the page cache,
    once evicted first (posix_fadvise(POSIX_FADV_DONTNEED)): the evicted run's major faults
    are the reads from disk of the code it touched. Medians over the runs.
  * system calls: one run under `strace -f`, the same way; counts the calls after execve
    and before the first connect() (and up to the first write of GET /next), and which.
  * sizes: stripped bytes and `zip -9` bytes of the file named `bootstrap`.
  * with --instructions: one run under valgrind's callgrind, the same way, stopped with
    SIGTERM once GET /next has arrived: the instructions executed from exec to there (user
    space only). Unlike a time, the count does not drift with the machine's load, so it
    tells small start-up changes apart on a noisy host.
Writes DIR/startup.json and DIR/strace-NAME.txt; prints a table with the ratio of each
peer to the first (the floor) and to `official` when present. Nothing is asserted.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

GUARD = 30.0  # seconds: a hang guard, never a measurement


def env_for(api):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": api,
        "AWS_LAMBDA_FUNCTION_NAME": "lambda-zero",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "_HANDLER": "bootstrap",
        "LAMBDA_TASK_ROOT": os.getcwd(),
    }


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def faults(pid):
    """(minor, major) faults of process `pid` (all its threads) from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[7]), int(fields[9])  # minflt, majflt (fields 10 and 12 of stat)


def first_request(cmd, api_env, on_request):
    """Spawns `cmd` against a fresh listener, waits for its first request head, calls
    on_request(process) and returns its result; the process is killed afterwards."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(GUARD)
        api = f"127.0.0.1:{srv.getsockname()[1]}"
        p = subprocess.Popen(cmd, env=env_for(api) | api_env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(GUARD)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        raise RuntimeError(f"{cmd[-1]}: closed before its first request")
                    data += chunk
                if not data.startswith(b"GET ") or b"/runtime/invocation/next" not in data:
                    raise RuntimeError(f"{cmd[-1]}: first request is not GET /next: {data[:80]!r}")
                return on_request(p)
        finally:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


SYSCALL = re.compile(r"^(?:\[pid +\d+\] |\d+ +)?([a-z_0-9]+)\(")


def strace_counts(name, path, out):
    """Runs `path` once under strace -f up to its first GET /next; returns the calls before
    the first connect() and those up to its first write after it."""
    trace = out / f"strace-{name}.txt"

    def wait_flush(p):
        time.sleep(0.2)  # strace writes each line as the call returns; let it catch up
        return None

    first_request(["strace", "-f", "-qq", "-o", str(trace), path], {}, wait_flush)
    before, to_next, seen_connect = [], [], False
    for line in trace.read_text().splitlines():
        m = SYSCALL.match(line)
        if not m or m.group(1) == "execve":
            continue
        name = m.group(1)
        if name == "connect":
            seen_connect = True
        if not seen_connect:
            before.append(name)
        to_next.append(name)
        if seen_connect and name in ("write", "writev", "sendto", "sendmsg"):
            break
    return before, to_next, trace


def instruction_count(name, path, out):
    """Runs `path` once under callgrind up to its first GET /next; returns the instructions
    it executed (callgrind's total, written when SIGTERM ends it)."""
    data = out / f"callgrind-{name}.out"
    data.unlink(missing_ok=True)

    def stop(p):
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=GUARD)

    first_request(["valgrind", "--tool=callgrind", "--quiet",
                   f"--callgrind-out-file={data}", path], {}, stop)
    for line in data.read_text().splitlines():
        if line.startswith("totals:") or line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"{name}: no totals in {data}")


def zipped_size(path):
    tmp = Path(str(path) + ".startup-probe.zip")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, "bootstrap")
    size = tmp.stat().st_size
    tmp.unlink()
    return size


def summarise(names):
    counts = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return ", ".join(f"{n}×{c}" if c > 1 else n for n, c in counts.items())


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--out", required=True)
    p.add_argument("--instructions", action="store_true")
    p.add_argument("peers", nargs="+", metavar="NAME=BOOTSTRAP")
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    peers = []
    for spec in a.peers:
        name, _, path = spec.partition("=")
        if not Path(path).is_file():
            sys.exit(f"startup-probe: {name}: no file {path}")
        peers.append((name, str(Path(path).resolve())))

    samples = {name: {"minor": [], "major": [], "minor_evicted": [], "major_evicted": []}
               for name, _ in peers}
    for _ in range(a.runs):
        for evicted in (False, True):
            for name, path in peers:
                if evicted:
                    evict(path)
                minor, major = first_request([path], {}, lambda proc: faults(proc.pid))
                key = "_evicted" if evicted else ""
                samples[name]["minor" + key].append(minor)
                samples[name]["major" + key].append(major)

    result = {}
    for name, path in peers:
        before, to_next, trace = strace_counts(name, path, out)
        s = samples[name]
        result[name] = {
            "path": path,
            "faults": statistics.median(m + j for m, j in zip(s["minor"], s["major"])),
            "faults_evicted": statistics.median(
                m + j for m, j in zip(s["minor_evicted"], s["major_evicted"])),
            "major_faults_evicted": statistics.median(s["major_evicted"]),
            "syscalls_before_connect": len(before),
            "syscalls_to_first_next": len(to_next),
            "syscalls_before_connect_list": summarise(before),
            "stripped": Path(path).stat().st_size,
            "zipped": zipped_size(path),
            "strace": str(trace),
        }
        if a.instructions:
            result[name]["instructions"] = instruction_count(name, path, out)
    (out / "startup.json").write_text(json.dumps({"runs": a.runs, "peers": result}, indent=2) + "\n")

    floor = peers[0][0]
    official = "official" if "official" in result else None
    cols = [("faults to 1st GET /next", "faults", "{:.0f}"),
            ("faults, evicted", "faults_evicted", "{:.0f}"),
            ("major faults, evicted", "major_faults_evicted", "{:.0f}"),
            ("syscalls before connect", "syscalls_before_connect", "{}"),
            ("syscalls to 1st GET /next", "syscalls_to_first_next", "{}"),
            ("stripped bytes", "stripped", "{:,}"),
            ("zip -9 bytes", "zipped", "{:,}")]
    if a.instructions:
        cols.insert(5, ("instructions to 1st GET /next", "instructions", "{:,}"))
    header = ["metric"] + [n for n, _ in peers] + [f"{n}/{floor}" for n, _ in peers[1:]]
    if official:
        header += [f"{n}/official" for n, _ in peers if n != official]
    rows = []
    for label, key, fmt in cols:
        row = [label] + [fmt.format(result[n][key]) for n, _ in peers]
        for n, _ in peers[1:]:
            row.append(ratio(result[n][key], result[floor][key]))
        if official:
            row += [ratio(result[n][key], result[official][key]) for n, _ in peers if n != official]
        rows.append(row)
    print(f"\nstart-up, exec -> first GET /next: medians of {a.runs} runs per peer, taking turns")
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for i, r in enumerate([header] + rows):
        print("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j])
                        for j, c in enumerate(r)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("\nsystem calls before connect():")
    for name, _ in peers:
        print(f"  {name}: {result[name]['syscalls_before_connect_list'] or '(none)'}")
    md = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    (out / "startup.md").write_text("\n".join(md) + "\n")
    print(f"\nwritten: {out}/startup.json, startup.md, strace-*.txt")


def ratio(a, b):
    return "–" if not b else f"{a / b:.2f}×"


if __name__ == "__main__":
    main()
