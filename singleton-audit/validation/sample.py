#!/usr/bin/env python3
"""Draws the sample of validation/sample.md from the audit's JSON.

    cargo run --release -p singleton-audit -- ~/.cargo/registry/src/index.crates.io-*/ \
        --json --parse-all > /tmp/registry.json
    python3 singleton-audit/validation/sample.py /tmp/registry.json 31337

Prints the 50 drawn actionable findings (level migrate or risky; at most 10 per crate),
sorted by path and line, with seven lines of source around each (the registry directory
is taken from $AUDIT_ROOT, default ~/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f).
"""
import collections
import json
import os
import random
import sys

report = json.load(open(sys.argv[1]))
seed = int(sys.argv[2])
root = os.environ.get(
    "AUDIT_ROOT",
    os.path.expanduser("~/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f"),
)
actionable = [f for f in report["findings"] if f["level"] != "fine"]
random.seed(seed)
random.shuffle(actionable)
per_crate = collections.Counter()
sample = []
for finding in actionable:
    crate = finding["path"].split("/")[0]
    if per_crate[crate] >= 10:
        continue
    per_crate[crate] += 1
    sample.append(finding)
    if len(sample) == 50:
        break
sample.sort(key=lambda f: (f["path"], f["line"]))
for i, f in enumerate(sample, start=1):
    print(f"=== #{i} {f['path']}:{f['line']}:{f['column']} {f['name']}: {f['type']} [{f['rule']}, {f['level']}]")
    lines = open(os.path.join(root, f["path"]), errors="replace").read().split("\n")
    for n in range(max(0, f["line"] - 4), min(len(lines), f["line"] + 3)):
        print(f"{n + 1:5} {lines[n][:130]}")
