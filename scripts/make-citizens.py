#!/usr/bin/env python3
"""Writes N sample card jobs (fictional Indonesian citizens) as JSON files.

usage: make-citizens.py OUT_DIR N [SEED]

Names, NIK-like numbers (region code + birth date + serial, +40 on the day
for women, as on a real NIK) and a small generated PNG portrait per person.
Every person is fictional; the data exists to exercise the queue.
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


def png(width, height, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


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
        "photo": base64.b64encode(png(24, 32, [rng.randint(60, 230) for _ in range(3)])).decode(),
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
