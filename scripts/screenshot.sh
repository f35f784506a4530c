#!/usr/bin/env bash
# Opens a report's index.html in headless Chromium, takes a screenshot, and fails when the page logs a
# console error or the screenshot is blank (a single colour).
#
#   scripts/screenshot.sh results/quickstart/report/index.html [out.png] [width] [height]
#
# Needs Debian's `chromium` (apt-get install -y chromium) and python3 (for the blank check).
set -euo pipefail

page=${1:?usage: scripts/screenshot.sh INDEX.html [OUT.png] [WIDTH] [HEIGHT]}
out=${2:-screenshot.png}
width=${3:-1400}
height=${4:-5000}

[ -f "$page" ] || { echo "screenshot: $page: no such file" >&2; exit 2; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "screenshot: chromium not found (apt-get install -y chromium)" >&2; exit 2; }

profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --hide-scrollbars \
    --window-size="$width,$height" --screenshot="$out" "$url" 2>"$log" || {
    cat "$log" >&2
    echo "screenshot: chromium failed" >&2
    exit 1
}

# Console messages of the page come as "CONSOLE" log lines; errors also as "Uncaught".
if grep -E 'CONSOLE.*(ERROR|error)|Uncaught|Failed to load resource' "$log" >&2; then
    echo "screenshot: the page logged console errors" >&2
    exit 1
fi
[ -s "$out" ] || { echo "screenshot: no screenshot written" >&2; exit 1; }

# Blank check: decode the top of the PNG (8-bit RGB or RGBA, non-interlaced; the page's heading, provenance
# and first tables are there) and count distinct colours.
python3 - "$out" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit(f"screenshot: unexpected PNG format depth={depth} colour={ctype} interlace={interlace}")
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(min(h, 1000)):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 7 == 0:
        for x in range(0, stride, bpp * 5):
            colours.add(bytes(line[x:x + 3]))
    prev = line
if len(colours) < 16:
    sys.exit(f"screenshot: blank page ({len(colours)} distinct colours sampled)")
print(f"screenshot: {sys.argv[1]} {w}x{h}, {len(colours)} distinct colours sampled")
PY
