#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus of scan_fuzz.c into selftests/fuzz/corpus/.

Each seed is one header byte (bits 1:0 mode: 0=16, 1=32, 2=64-bit; bits 7:2
max_insns) followed by guest code that starts at an IO instruction.
"""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

M16, M32, M64 = 0, 1, 2

CMOS = bytes.fromhex("e670e471b00fe670e471c3")
VGA = bytes.fromhex("ee4288e0ee4ab00fee4288d8eeebfe")
VGA64 = bytes.fromhex("eeffc288e0eeffcab00feeffc288d8eeebfe")
PIT = bytes.fromhex("e643e640e640fa")
ALU = bytes.fromhex("ec247f0c803401eef4")
JMP = bytes.fromhex("e680eb00e680")
MEM16 = bytes.fromhex("ec8807ec")
IO_AT_END = bytes.fromhex("e680b001e681")
IO_TRUNC = bytes.fromhex("e680b001e6")
LIMIT = bytes.fromhex("ecececececec")
NOT_IO = bytes.fromhex("b00ee670e471")
LONG64 = bytes.fromhex("66ed4889c348c1e80866ef48b88877665544332211"
                       "488d0500100000e660c3")
PFX = bytes.fromhex("2e3e6766e5712e2e67488184887856341200000000e6")
LEA16 = bytes.fromhex("ed8d46fe678d0424ef8b4608")

SEEDS = [
    ("cmos16", M16, 0, CMOS),
    ("cmos32", M32, 8, CMOS),
    ("vga16", M16, 0, VGA),
    ("vga32", M32, 16, VGA),
    ("vga64", M64, 0, VGA64),
    ("pit16", M16, 0, PIT),
    ("pit64", M64, 2, PIT),
    ("alu32", M32, 0, ALU),
    ("jmp32", M32, 0, JMP),
    ("mem16", M16, 0, MEM16),
    ("io_at_end64", M64, 0, IO_AT_END),
    ("io_trunc32", M32, 0, IO_TRUNC),
    ("limit32", M32, 3, LIMIT),
    ("not_io16", M16, 0, NOT_IO),
    ("long64", M64, 0, LONG64),
    ("prefixes64", M64, 0, PFX),
    ("lea16", M16, 0, LEA16),
]

os.makedirs(HERE, exist_ok=True)
for name, mode, max_insns, code in SEEDS:
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(bytes([mode | (max_insns << 2)]) + code)
print("wrote %d seeds to %s" % (len(SEEDS), HERE))
