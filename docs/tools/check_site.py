"""Open the built site as a reader would: headless Chromium loads pages from disk, a screenshot
of each goes to the output folder, and the check fails if a page shows an error or a picture is
missing (an <img> whose file is absent, empty or not an image, or that points off the site).

Usage: python docs/tools/check_site.py SITE_DIR OUT_DIR
"""
import html.parser
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse

# (page, screenshot height in pixels, words the page must show, pictures it must show)
PAGES = [("index.html", 1400, ["Learn backpropagation by doing it", "Tutorial"], 0),
         ("tutorial/02-micrograd.html", 3600, ["24.7041", "138.8338", "645.5773"], 2),
         ("tutorial/04-optimizers.html", 3200, ["Where each optimizer went", "Adam"], 2),
         ("tutorial/07-real-data.html", 10000, ["same predictions: True", "params.0.w"], 2),
         ("tutorial/09-distributed.html", 8000,
          ["largest difference between the two sets of parameters", "cluster closed"], 1)]
ERRORS = ["Traceback (most recent call last)", "ChapterError", "404 - Not found",
          "could not be drawn"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=4000"]
MAGIC = {".png": b"\x89PNG", ".svg": b"<", ".jpg": b"\xff\xd8"}


class Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs).get("src") or "")


def chromium(args, profile):
    cmd = ["chromium", *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def image_problems(site, page, dom):
    parser = Images()
    parser.feed(dom)
    problems = []
    for src in parser.srcs:
        if src.startswith("data:"):
            continue
        url = urllib.parse.urlparse(src)
        if url.scheme not in ("", "file"):
            problems.append(f"{page}: picture {src} is not part of the site")
            continue
        path = (site / page).parent / urllib.parse.unquote(url.path) if url.scheme == "" \
            else pathlib.Path(urllib.parse.unquote(url.path))
        path = path.resolve()
        if site not in path.parents or not path.is_file() or path.stat().st_size == 0:
            problems.append(f"{page}: picture {src} is missing or empty ({path})")
        elif not path.read_bytes().lstrip().startswith(MAGIC.get(path.suffix, b"")):
            problems.append(f"{page}: picture {src} is not a {path.suffix} image")
    return problems, len(parser.srcs)


def check_page(site, out, page, height, words, pictures, profile):
    url = (site / page).as_uri()
    dom = chromium(["--dump-dom", url], profile).stdout
    if "<article" not in dom:
        return [f"{page}: Chromium showed no article (is the page there? {url})"]
    problems = [f"{page}: the page shows {e!r}" for e in ERRORS if e in dom]
    problems += [f"{page}: the page does not show {w!r}" for w in words if w not in dom]
    found, n_images = image_problems(site, page, dom)
    problems += found
    if n_images < pictures:
        problems.append(f"{page}: {n_images} pictures shown, expected {pictures}")
    shot = out / ("docs-" + page.replace("/", "-").replace(".html", ".png"))
    chromium([f"--screenshot={shot}", f"--window-size=1280,{height}", url], profile)
    if not shot.is_file() or shot.stat().st_size == 0:
        problems.append(f"{page}: no screenshot was written to {shot}")
    print(f"{page}: {n_images} pictures checked, screenshot {shot}")
    return problems


def main(site_dir, out_dir):
    site, out = pathlib.Path(site_dir).resolve(), pathlib.Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    with tempfile.TemporaryDirectory() as profile:  # a fresh Chromium profile each run
        for page, height, words, pictures in PAGES:
            problems += check_page(site, out, page, height, words, pictures, profile)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
