#!/usr/bin/env python3
"""Renders a terminal capture (tmux `capture-pane -e -p`: text with SGR colour escapes) into a
PNG with DejaVu Sans Mono, the way a dark terminal shows it. Used by scripts/screenshot."""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 15
BG, FG = (24, 24, 28), (220, 220, 220)
BASIC = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229)]
BRIGHT = [(102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]


def color256(n):
    if n < 8:
        return BASIC[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    g = 8 + (n - 232) * 10
    return (g, g, g)


def parse(text):
    """Yields rows of (char, fg, bg, bold)."""
    fg, bg, bold, reverse = None, None, False, False
    rows = []
    for line in text.split("\n"):
        row = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, bold, reverse = None, None, False, False
                    elif c == 1:
                        bold = True
                    elif c == 22:
                        bold = False
                    elif c == 7:
                        reverse = True
                    elif c == 27:
                        reverse = False
                    elif 30 <= c <= 37:
                        fg = BASIC[c - 30]
                    elif 90 <= c <= 97:
                        fg = BRIGHT[c - 90]
                    elif 40 <= c <= 47:
                        bg = BASIC[c - 40]
                    elif 100 <= c <= 107:
                        bg = BRIGHT[c - 100]
                    elif c == 39:
                        fg = None
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        if c == 38:
                            fg = color256(codes[i + 2])
                        else:
                            bg = color256(codes[i + 2])
                        i += 2
                    i += 1
                continue
            for ch in part:
                f, b = fg or FG, bg or BG
                if reverse:
                    f, b = b, f
                row.append((ch, f, b, bold))
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def main(src, dst):
    rows = parse(open(src, encoding="utf-8").read())
    font, bold = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(BOLD, SIZE)
    w, h = font.getbbox("M")[2], int(SIZE * 1.35)
    cols = max(len(r) for r in rows)
    img = Image.new("RGB", (cols * w + 16, len(rows) * h + 16), BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, (ch, f, b, is_bold) in enumerate(row):
            px, py = 8 + x * w, 8 + y * h
            if b != BG:
                draw.rectangle([px, py, px + w, py + h], fill=b)
            if ch != " ":
                draw.text((px, py), ch, fill=f, font=bold if is_bold else font)
    img.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
