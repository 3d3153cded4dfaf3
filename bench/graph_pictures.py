"""How long `agrad graph` takes and how big its output is, for a small, a wide and a deep graph;
with Chromium and selenium installed, also how long the HTML page takes to open in the browser.

    python bench/graph_pictures.py
"""

import os
import shutil
import tempfile
import time

from agrad.render import layout
from agrad.render import dot as render_dot
from agrad.render import html as render_html
from agrad.render import mermaid as render_mermaid
from agrad.evaluation.api import run
from agrad.render.picture import build

GRAPHS = {
    "(x+w)*2": ("(x+w)*2", {"x": 3, "w": 1}),
    "30 terms, wide": (" + ".join(f"sin(x*{k} + w)*cos(w^2 - x/{k})" for k in range(1, 31)), {"x": 0.3, "w": 0.7}),
    "sin chain, 2000 deep": ("sin(" * 2000 + "x" + ")" * 2000, {"x": 1.0}),
}


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def page_open_seconds(path):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        return None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(flag)
    d = webdriver.Chrome(service=Service(driver), options=options)
    try:
        start = time.perf_counter()
        d.get("file://" + path)
        while d.execute_script("return document.body.getAttribute('data-ready')") != "true":
            time.sleep(0.01)
        return time.perf_counter() - start
    finally:
        d.quit()


def main():
    print(f"{'graph':24} {'nodes':>6} {'eval+trace':>11} {'picture':>8} {'layout':>7} "
          f"{'dot':>9} {'mermaid':>9} {'html':>10} {'page open':>10}")
    for name, (source, bindings) in GRAPHS.items():
        t_eval, result = best_of(lambda: run(source, bindings, trace=True))
        t_pic, picture = best_of(lambda: build(result))
        t_lay, _ = best_of(lambda: layout.layered([n.inputs for n in picture.nodes],
                                                  [n.role.startswith("input") for n in picture.nodes]))
        sizes = {}
        for fmt, render in (("dot", render_dot.render), ("mermaid", render_mermaid.render), ("html", render_html.render)):
            sizes[fmt] = len(render(picture).encode("utf-8"))
        with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as fh:
            fh.write(render_html.render(picture))
        opened = page_open_seconds(fh.name)
        os.unlink(fh.name)
        shown = "-" if opened is None else f"{opened:.2f}s"
        print(f"{name:24} {len(picture.nodes):>6} {t_eval:>10.3f}s {t_pic:>7.3f}s {t_lay:>6.3f}s "
              f"{sizes['dot'] / 1024:>7.1f}kB {sizes['mermaid'] / 1024:>7.1f}kB {sizes['html'] / 1024:>8.1f}kB {shown:>10}")


if __name__ == "__main__":
    main()
