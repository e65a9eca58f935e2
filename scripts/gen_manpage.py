#!/usr/bin/env python3
"""Renders mineral-alertd's --help texts into one man page (roff), so the
manual says exactly what the binary says.

  gen_manpage.py BINARY OUT
"""
import re
import subprocess
import sys


def roff(text):
    lines = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line if line.strip() else ".sp")
    return "\n".join(lines)


def main():
    binary, out = sys.argv[1], sys.argv[2]
    run = lambda *args: subprocess.run([binary, *args], capture_output=True, text=True).stdout
    usage = run("--help")
    version = run("--version").split()[1]  # "mineral-alertd 0.1.0 (mimalloc 2.0.9)"
    commands = re.findall(r"^  ([a-z][a-z-]+)\s+", usage.split("commands:")[1].split("options:")[0], re.M)
    page = [
        f'.TH MINERAL-ALERTD 1 "" "mineral-alertd {version}" "User Commands"',
        ".SH NAME",
        "mineral-alertd \\- watch mineral-policy news feeds and alert on what matters",
        ".SH SYNOPSIS",
        ".nf",
        roff(usage.split("\n\n")[0]),
        ".fi",
        ".SH DESCRIPTION",
        ".nf",
        roff("\n\n".join(usage.split("\n\n")[1:])),
        ".fi",
        ".SH COMMANDS",
    ]
    for command in commands:
        if command == "help":
            continue
        page += [f".SS {command}", ".nf", roff(run("help", command)), ".fi"]
    page += [
        ".SH FILES",
        ".TP",
        "/etc/mineral-alertd/mineral-alertd.toml",
        "The configuration (see /usr/share/doc/mineral-alertd/config.md).",
        ".TP",
        "/var/lib/mineral-alertd/mineral-alertd.db",
        "The SQLite database: feeds, items, alerts, the delivery outbox.",
        ".SH SEE ALSO",
        "systemctl(1), journalctl(1)",
    ]
    with open(out, "w") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
