#!/usr/bin/env python3
"""Writes N sample card jobs (fictional Indonesian citizens) as JSON files.

usage: make-citizens.py OUT_DIR N [SEED]

Names, NIK-like numbers (region code + birth date + serial, +40 on the day
for women, as on a real NIK) and a generated PNG portrait per person: head,
hair and shoulders drawn on the e-KTP background colour (red for odd birth
years, blue for even). Standard library only (no PIL), so any python3 runs it.
Every person is fictional; the data exists to exercise the station.
"""
import base64
import json
import os
import random
import struct
import sys
import zlib

GIVEN_M = ["BUDI", "AGUS", "ANDI", "DEDI", "EKO", "HENDRA", "IMAM", "JOKO", "RUDI", "WAHYU", "YUSUF", "FAJAR"]
GIVEN_F = ["SITI", "DEWI", "SRI", "RINA", "NUR", "AYU", "INDAH", "LESTARI", "PUTRI", "WULAN", "FITRI", "MEGA"]
FAMILY = ["SANTOSO", "WIJAYA", "HIDAYAT", "SETIAWAN", "RAHAYU", "KURNIAWAN", "SAPUTRA", "LESTARI", "NASUTION",
          "SIREGAR", "PRATAMA", "HARAHAP"]
REGIONS = [  # (code, village, district, city, province)
    ("317101", "GAMBIR", "GAMBIR", "JAKARTA PUSAT", "DKI JAKARTA"),
    ("327301", "SUKAJADI", "SUKAJADI", "KOTA BANDUNG", "JAWA BARAT"),
    ("337401", "PEDURUNGAN KIDUL", "PEDURUNGAN", "KOTA SEMARANG", "JAWA TENGAH"),
    ("357801", "GUBENG", "GUBENG", "KOTA SURABAYA", "JAWA TIMUR"),
    ("327601", "PANCORAN MAS", "PANCORAN MAS", "KOTA DEPOK", "JAWA BARAT"),
]
RELIGIONS = ["ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KONGHUCU"]
JOBS = ["KARYAWAN SWASTA", "WIRASWASTA", "PELAJAR/MAHASISWA", "PEGAWAI NEGERI SIPIL", "PETANI/PEKEBUN", "GURU"]
SKIN = [(241, 194, 155), (224, 172, 125), (198, 142, 98), (165, 114, 76), (128, 86, 56)]
HAIR = [(25, 20, 18), (45, 34, 28), (70, 52, 40)]
CLOTHES = [(245, 245, 245), (30, 40, 70), (90, 90, 95), (150, 30, 40), (30, 90, 60)]


def png(width, height, pixel):
    """A truecolour PNG; pixel(x, y) gives (r, g, b)."""
    raw = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def portrait(rng, birth_year, female):
    """A 96 x 128 passport-style drawing: ellipses for head, hair, ears, eyes and shoulders."""
    w, h = 96, 128
    background = (200, 40, 45) if birth_year % 2 else (40, 90, 190)
    skin, hair, cloth = rng.choice(SKIN), rng.choice(HAIR), rng.choice(CLOTHES)
    cx, cy = w / 2 + rng.uniform(-3, 3), 54 + rng.uniform(-3, 3)
    rx, ry = rng.uniform(19, 23), rng.uniform(25, 29)
    long_hair = female and rng.random() < 0.8

    def inside(x, y, ex, ey, erx, ery):
        return ((x - ex) / erx) ** 2 + ((y - ey) / ery) ** 2 <= 1.0

    def pixel(x, y):
        if inside(x, y, cx, 132, 44, 30):
            return cloth
        if inside(x, y, cx, 92, 9, 14):  # neck
            return skin
        if inside(x, y, cx - 9, cy - 4, 4, 2.5) or inside(x, y, cx + 9, cy - 4, 4, 2.5):
            return (35, 30, 30)  # eyes
        if inside(x, y, cx, cy + 14, 7, 2):
            return (150, 70, 70)  # mouth
        if inside(x, y, cx, cy, rx, ry) and y > cy - ry * 0.55:
            return skin
        if inside(x, y, cx - rx, cy, 4, 7) or inside(x, y, cx + rx, cy, 4, 7):
            return skin  # ears
        if inside(x, y, cx, cy - 4, rx + 4, ry + 4):
            return hair
        if long_hair and inside(x, y, cx, cy + 18, rx + 7, ry + 6):
            return hair
        return background

    return png(w, h, pixel)


def citizen(rng, index):
    female = rng.random() < 0.5
    name = f"{rng.choice(GIVEN_F if female else GIVEN_M)} {rng.choice(FAMILY)}"
    code, village, district, city, province = rng.choice(REGIONS)
    year, month, day = rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28)
    nik = f"{code}{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{index % 10000:04d}"
    return {
        "template": "ektp-specimen",
        "profile": "cardd-eid",
        "priority": rng.choice([50, 50, 50, 70, 30]),
        "idempotency_key": f"enrol-{nik}",
        "person": {
            "nik": nik,
            "name": name,
            "birth_place": city.replace("KOTA ", ""),
            "birth_date": f"{year:04d}-{month:02d}-{day:02d}",
            "sex": "PEREMPUAN" if female else "LAKI-LAKI",
            "blood_type": rng.choice(["A", "B", "AB", "O", "-"]),
            "address": {
                "street": f"JL. {rng.choice(['MERDEKA', 'SUDIRMAN', 'DIPONEGORO', 'PAHLAWAN'])} NO. {rng.randint(1, 200)}",
                "rt_rw": f"{rng.randint(1, 20):03d}/{rng.randint(1, 15):03d}",
                "village": village,
                "district": district,
                "city": city,
                "province": province,
            },
            "religion": rng.choice(RELIGIONS),
            "marital_status": rng.choice(["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"]),
            "occupation": rng.choice(JOBS),
            "citizenship": "WNI",
            "valid_until": "SEUMUR HIDUP",
        },
        "photo": base64.b64encode(portrait(rng, year, female)).decode(),
        "fingerprints": [
            {"finger": "right-thumb", "format": "iso-19794-2", "data": base64.b64encode(os.urandom(48)).decode()},
            {"finger": "left-thumb", "format": "iso-19794-2", "data": base64.b64encode(os.urandom(48)).decode()},
        ],
        "hold": False,
    }


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    os.makedirs(out, exist_ok=True)
    for i in range(1, count + 1):
        with open(os.path.join(out, f"citizen-{i:03d}.json"), "w", encoding="utf-8") as f:
            json.dump(citizen(rng, i), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
