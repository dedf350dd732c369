#!/usr/bin/python3
"""The script baseline of bench/render/render_bench.sh: the work of
cardd-render-bench done with rsvg-convert (librsvg2-bin) and Python
(python3-pil, python3-numpy). For each card and side it renders the filled
SVG twice with rsvg-convert (colour pass and resin pass, the same user
stylesheets cardd uses, on white), separates Y/M/C/K/O the way
drivers/render/card_renderer.cpp documents, turns them into scan order,
packs Y/M/C at the template's levels (Db) and K/O at 1 bit per pixel with
the Dbc line compression, and frames the Evolis print sequence.

Input: a folder written by `cardd-render-bench --dump-dir DIR` (front.svg,
back.svg, colour.css, resin.css, *.holes, *.panels, settings, expected.bin).
Prints one JSON line: ms per card (wall and CPU, this process plus its
rsvg-convert children) and whether the bytes equal cardd's (expected.bin).

usage: separate.py DIR [--cards N]
"""
import io
import json
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np
from PIL import Image

W, H = 1016, 648


def rsvg(svg, css):
    png = subprocess.run(["rsvg-convert", "-b", "white", "-s", css, svg],
                         check=True, stdout=subprocess.PIPE).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.uint16)


def luma(rgb):
    return (77 * rgb[..., 0] + 150 * rgb[..., 1] + 29 * rgb[..., 2]) >> 8


def scan(layer):
    # Landscape (row y, column x) -> scan line x, pixel 647 - y.
    return np.ascontiguousarray(np.rot90(layer, k=-1))


def pack(density, levels):
    bpp = {2: 1, 32: 5, 64: 6, 128: 7}[levels]
    level = ((density.astype(np.uint32) * (levels - 1) + 127) // 255).astype(np.uint8)
    bits = np.unpackbits(level.reshape(-1, 1), axis=1)[:, 8 - bpp:]
    return np.packbits(bits.reshape(-1)).tobytes()


def dbc(packed):
    lines = np.frombuffer(packed, dtype=np.uint8).reshape(-1, 81)
    out = bytearray()
    nonzero = lines != 0
    white = ~nonzero.any(axis=1)
    black = (lines == 0xFF).all(axis=1)
    last = 81 - np.argmax(nonzero[:, ::-1], axis=1)
    for i in range(lines.shape[0]):
        if white[i]:
            out.append(0x00)
        elif black[i]:
            out.append(0xFF)
        else:
            n = int(last[i])
            out.append(n)
            out += lines[i, :n].tobytes()
    return bytes(out)


def command(name, params, payload=None):
    b = b"\x1b" + name.encode() + b"".join(b";" + p.encode() for p in params)
    if payload is not None:
        b += b";" + payload
    return b + b"\r"


def side_bytes(d, side, settings):
    svg = os.path.join(d, side + ".svg")
    panels = open(os.path.join(d, side + ".panels")).read().strip()
    levels = settings["levels"]
    colour = rsvg(svg, os.path.join(d, "colour.css"))
    resin = rsvg(svg, os.path.join(d, "resin.css"))
    k = (255 - luma(resin)).astype(np.uint8)
    out = []
    if "y" in panels:
        knock = (k >= 128) if settings["knockout"] else np.zeros((H, W), bool)
        for ch in (2, 1, 0):  # Y = 255 - B, M = 255 - G, C = 255 - R
            p = (255 - colour[..., ch]).astype(np.uint8)
            p[knock] = 0
            out.append(command("Db", ["ymc"[2 - ch], str(levels)], pack(scan(p), levels)))
    kp = dbc(pack(scan(k), 2))
    out.append(command("Dbc", ["k", "2", str(len(kp))], kp))
    if "o" in panels:
        o = np.full((H, W), 255, np.uint8)
        for line in open(os.path.join(d, side + ".holes")):
            x, y, w, h = map(float, line.split())
            x0, y0 = max(0, math.floor(x)), max(0, math.floor(y))
            x1, y1 = min(W, math.ceil(x + w)), min(H, math.ceil(y + h))
            o[y0:y1, x0:x1] = 0
        op = dbc(pack(scan(o), 2))
        out.append(command("Dbc", ["o", "2", str(len(op))], op))
    return b"".join(out)


def card(d, settings):
    wire = command("Pem", ["2"]) + command("Pr", ["ymcko"]) + command("Ss", [])
    for side, cmd in (("front", "Sr"), ("back", "Sv")):
        if os.path.exists(os.path.join(d, side + ".svg")):
            wire += command(cmd, []) + side_bytes(d, side, settings)
    return wire + command("Se", [])


def cpu_ms():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime) * 1e3


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    d = args[0]
    cards = int(args[args.index("--cards") + 1]) if "--cards" in args else 10
    settings = {}
    for line in open(os.path.join(d, "settings")):
        key, value = line.split()
        settings[key] = int(value)
    expected = open(os.path.join(d, "expected.bin"), "rb").read()

    wire = card(d, settings)  # warm-up (imports, page cache)
    walls, cpus = [], []
    for _ in range(cards):
        c0, t0 = cpu_ms(), time.perf_counter()
        wire = card(d, settings)
        walls.append((time.perf_counter() - t0) * 1e3)
        cpus.append(cpu_ms() - c0)
    same = wire == expected
    differing = sum(a != b for a, b in zip(wire, expected)) + abs(len(wire) - len(expected))
    walls.sort()
    print(json.dumps({
        "tool": "rsvg-convert+python", "cards": cards,
        "ms_per_card": sum(walls) / cards, "median_ms": walls[cards // 2], "min_ms": walls[0],
        "cpu_ms_per_card": sum(cpus) / cards, "wire_bytes": len(wire),
        "same_bytes": same, "differing_bytes": differing,
    }))


if __name__ == "__main__":
    main()
