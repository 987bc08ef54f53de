"""What re-encoding one large product photo costs: time and memory of businesses.photos.process().

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/photo_processing.py [--megapixels 50] [--format PNG] [--runs 3]

It writes a photo of that many megapixels (a colour gradient with a grid, so that a PNG stays within the default
10 MB upload limit) to a temporary file, then processes it in a fresh Python process per run and prints the wall
time of process() and the growth of the process's peak resident memory during it (VmHWM of /proc/self/status:
Linux only; ru_maxrss would carry the parent's peak over into the child).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def make_photo(path: Path, megapixels: float, image_format: str, mode: str) -> tuple[int, int]:
    from PIL import Image, ImageDraw

    width = int((megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = int(megapixels * 1_000_000 / width)
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = Image.linear_gradient("L").rotate(90).resize((width, height))
    image = Image.merge("RGB", (horizontal, vertical, Image.new("L", (width, height), 128)))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 400):
        draw.line([(x, 0), (x, height)], fill=(255, 255, 255), width=3)
    image.convert(mode).save(path, format=image_format)
    return width, height


def child(path: str) -> None:
    import django

    django.setup()
    from businesses.photos import process

    with open(path, "rb") as handle:
        handle.read()  # the file in the page cache, not counted below
        before = peak_mb()
        start = time.perf_counter()
        result = process(handle)
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "extra_mb": peak_mb() - before, "size": result.size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megapixels", type=float, default=50)
    parser.add_argument("--format", default="PNG")
    parser.add_argument("--mode", default="RGB", help="RGB, or L for a greyscale photo")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        sys.path.insert(0, str(PROJECT))
        child(options.child)
        return
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ikm_registry.settings", "LOG_LEVEL": "ERROR"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"photo.{options.format.lower()}"
        width, height = make_photo(path, options.megapixels, options.format, options.mode)
        print(
            f"{options.format} {options.mode} {width} × {height} ({width * height / 1e6:.1f} MP), {path.stat().st_size / 1e6:.1f} MB"
        )
        runs = []
        for _ in range(options.runs):
            output = subprocess.run(
                [sys.executable, __file__, "--child", str(path)],
                cwd=PROJECT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs.append(json.loads(output.splitlines()[-1]))
        seconds = statistics.median(run["seconds"] for run in runs)
        extra = statistics.median(run["extra_mb"] for run in runs)
        print(
            f"process(): {seconds:.2f} s, peak memory +{extra:.0f} MB (median of {options.runs}; stored {runs[0]['size']})"
        )


if __name__ == "__main__":
    main()
