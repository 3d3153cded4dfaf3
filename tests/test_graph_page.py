"""The HTML page of `agrad graph` in a real browser: Debian's headless Chromium driven by
selenium through Debian's chromedriver (no browser download). The tests step, play and zoom the
page and read what it shows. Without Chromium they skip and say why (.ci/run installs it, and
there AGRAD_REQUIRE_TOOLS=1 turns a skip into a failure)."""

import json
import os
import shutil
import tempfile

import pytest

from agrad.values import write as numbers
from conftest import missing_tool

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800",
         "--force-prefers-reduced-motion"]


@pytest.fixture(scope="module")
def browser():
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            missing_tool(f"no browser for the page tests: {path} is missing (apt-get install {package})")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing_tool("the selenium client is not installed (pip install '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="agrad-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The page as a person sees it: buttons to press, keys, and the texts on screen."""

    def __init__(self, driver):
        self.d = driver

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def press(self, button_id, times=1):
        for _ in range(times):
            self.d.find_element("id", button_id).click()

    def key(self, key, times=1):
        from selenium.webdriver.common.action_chains import ActionChains

        for _ in range(times):
            ActionChains(self.d).send_keys(key).perform()

    def text(self, element_id):
        return self.d.find_element("id", element_id).text

    def nodes(self):
        """Each node's four lines and state, as drawn."""
        return self.js("""return Array.from(document.querySelectorAll('#nodes .node')).map(g => ({
            lines: Array.from(g.querySelectorAll('text')).map(t => t.textContent),
            state: g.getAttribute('data-state'), active: g.classList.contains('active')}));""")

    def labels(self):
        """The edge labels that are showing."""
        return self.js("""return Array.from(document.querySelectorAll('#labels .edge-label'))
            .filter(g => g.getAttribute('display') !== 'none').map(g => g.querySelector('text').textContent);""")

    def explanation(self):
        return [p.text for p in self.d.find_elements("css selector", "#explain p")]

    def errors(self):
        return [entry for entry in self.d.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.fixture
def page(browser, cli, tmp_path):
    def open_page(*args, step=None):
        target = tmp_path / "graph.html"
        r = cli("graph", *args, "-o", str(target))
        assert r.exit_code == 0, r.stderr
        browser.get("about:blank")
        browser.get(target.as_uri() + (f"#step={step}" if step is not None else ""))
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return document.body.getAttribute('data-ready') === 'true'"))
        return Page(browser)

    browser.get_log("browser")  # start each test with an empty console
    return open_page


def test_the_tutorial_graph_plays_both_passes_with_evals_numbers(page, cli, tmp_path):
    expected = json.loads(cli("eval", "(x+w)*2", "--x", "3", "--w", "1", "--format", "json").stdout)
    p = page("(x+w)*2", "--x", "3", "--w", "1")
    assert p.text("phase").startswith("Ready")
    # issue 18: the leaves' values are known inputs, shown before step 1; the ops' are not computed yet
    assert [n["lines"][2] for n in p.nodes()] == ["value 3.0", "value 1.0", "value ?", "value 2.0", "value ?"]
    # forward: one node per step, in evaluation order, each lighting up with its value
    values = ["3.0", "1.0", "4.0", "2.0", numbers.text(expected["value"])]
    for k, value in enumerate(values):
        p.press("step")
        nodes = p.nodes()
        assert [n["active"] for n in nodes] == [i == k for i in range(5)]
        assert nodes[k]["lines"][2] == f"value {value}"
        assert all(nodes[i]["lines"][2] == "value ?" for i in (2, 4) if i > k)  # the ops not computed yet
        assert p.text("phase") == f"Forward pass: step {k + 1} of 5"
    assert p.explanation()[0] == "(x + w) * 2 = 4.0 * 2.0 = 8.0"
    assert [n["lines"][0] for n in p.nodes()] == ["x", "w", "AddBackward0", "2", "MulBackward0"]
    # backward: the engine's order, each edge showing its gradient and local derivative
    p.press("step")
    assert p.text("phase") == "Backward pass: step 1 of 4"
    assert p.labels() == ["grad 2.0 (×2.0)"]
    assert "∂out/∂(x + w) = 2.0, so the gradient sent to x + w is 1.0 × 2.0 = 2.0." in p.explanation()
    assert p.nodes()[4]["lines"][3] == "grad in 1.0"
    p.key("\ue014")  # the right arrow key
    assert p.labels() == ["grad 2.0 (×1.0)", "grad 2.0 (×1.0)", "grad 2.0 (×2.0)"]
    assert p.nodes()[2]["lines"][3] == "grad in 2.0" and p.nodes()[0]["lines"][3] == "grad None"
    p.press("step", 2)
    grads = {n["lines"][0]: n["lines"][3] for n in p.nodes()}
    assert grads["x"] == f"grad {numbers.text(expected['grads']['x'])}" == "grad 2.0"
    assert grads["w"] == f"grad {numbers.text(expected['grads']['w'])}" == "grad 2.0"
    assert grads["2"] == "no grad"
    assert p.explanation()[-1] == "Backward is done. The leaves hold their gradients: x.grad = 2.0, w.grad = 2.0."
    assert p.d.find_element("id", "step").get_attribute("disabled") == "true"
    # back, by button and by key
    p.press("back")
    assert p.nodes()[1]["lines"][3] == "grad None" and p.nodes()[0]["lines"][3] == "grad 2.0"
    p.key("\ue012", 4)  # the left arrow, back into the forward pass
    assert p.text("phase") == "Forward pass: step 4 of 5" and p.labels() == []
    assert p.nodes()[4]["lines"][2] == "value ?"
    shot = tmp_path / "graph-page.png"
    assert p.d.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert p.errors() == []


def test_play_pause_reset_and_a_step_from_the_link(page):
    p = page("x*w", "--x", "2", "--w", "3", step=5)
    assert p.text("phase") == "Backward pass: step 2 of 3" and p.d.current_url.endswith("#step=5")
    p.press("reset")
    assert p.text("phase").startswith("Ready") and p.d.current_url.endswith("#step=0")
    p.d.find_element("css selector", "#speed option[value='450']").click()
    p.press("play")
    assert p.text("play").endswith("Pause")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(p.d, 20).until(lambda d: d.find_element("id", "phase").text == "Backward pass: step 3 of 3")
    assert p.text("play").endswith("Play")  # it stops by itself at the end
    assert {n["lines"][0]: n["lines"][3] for n in p.nodes()} == {"x": "grad 3.0", "w": "grad 2.0",
                                                                 "MulBackward0": "grad in 1.0"}
    p.key(" ")  # space plays again from the start ...
    p.key(" ")  # ... and pauses
    assert p.text("play").endswith("Play")
    p.key("\ue011")  # Home
    assert p.text("phase").startswith("Ready")
    assert p.errors() == []


def test_a_shared_node_is_one_box_with_two_edges(page):
    p = page("x*x", "--x", "3")
    p.press("end")
    assert [n["lines"][0] for n in p.nodes()] == ["x", "MulBackward0"]
    assert p.nodes()[0]["lines"][3] == "grad 6.0"
    assert p.labels() == ["grad 3.0 (×3.0)", "grad 3.0 (×3.0)"]
    paths = p.js("return Array.from(document.querySelectorAll('#edges path')).map(e => e.getAttribute('d'))")
    assert len(paths) == 2 and paths[0] != paths[1]
    boxes = p.js("""return Array.from(document.querySelectorAll('#labels .edge-label'))
        .map(g => { const r = g.getBoundingClientRect(); return [r.top, r.bottom]; });""")
    assert boxes[0][1] <= boxes[1][0] or boxes[1][1] <= boxes[0][0]  # the two labels do not overlap
    assert p.errors() == []


def test_user_text_stays_text(page):
    source = "x * 2 # </script><script>document.title='pwned'</script><b id=bold>"
    p = page(source, "--x", "1")
    assert p.d.title == "agrad graph: " + source
    assert p.text("expr") == source and p.d.find_elements("id", "bold") == []
    assert p.errors() == []


def _overlaps(rects):
    rects = sorted(rects)
    for k, (left, top, right, bottom) in enumerate(rects):
        for other in rects[k + 1:]:
            if other[0] >= right:
                break
            if other[1] < bottom - 0.5 and top < other[3] - 0.5:
                return (left, top, right, bottom), other
    return None


def test_a_big_graph_stays_legible_and_zooms(page):
    source = " + ".join(f"sin(x*{k} + w)*cos(w^2 - x/{k})" for k in range(1, 31))
    p = page(source, "--x", "0.3", "--w", "0.7")
    count = len(p.nodes())
    assert count > 300
    rects = p.js("""return Array.from(document.querySelectorAll('#nodes .node rect')).map(r => {
        const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; });""")
    assert _overlaps(rects) is None
    # it opens at a readable size, not shrunk to fit 300 nodes
    title_height = p.js("return document.querySelector('#nodes .node text.title').getBoundingClientRect().height")
    assert title_height >= 10

    def scale():
        return float(p.js("return document.getElementById('viewport').getAttribute('transform')")
                     .split("scale(")[1].rstrip(")"))

    before = scale()
    p.press("zoom-in")
    assert scale() == pytest.approx(before * 1.25)
    p.press("zoom-fit")
    # issue 18: Fit no longer shrinks 300 nodes to an unreadable strip; it stays at a readable zoom
    # (12 px text on screen) on the output, and the minimap shows the whole graph
    assert scale() == pytest.approx(12 / 13)
    out = p.js("const r = document.querySelector('#nodes .node.role-output').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]")
    stage = p.js("const r = document.getElementById('graph').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]")
    assert out[0] >= stage[0] - 1 and out[1] >= stage[1] - 1 and out[2] <= stage[2] + 1 and out[3] <= stage[3] + 1
    assert p.js("return document.getElementById('minimap').hidden") is False
    fitted = scale()
    p.js("""document.getElementById('graph').dispatchEvent(new WheelEvent('wheel',
        {deltaY: -300, clientX: 300, clientY: 300, bubbles: true, cancelable: true}));""")
    assert scale() > fitted
    # stepping follows the current node: the active node is on screen
    p.press("to-backward")
    p.press("step", 3)
    assert len(p.labels()) == 2  # a big graph shows the current step's labels only ...
    p.press("all-labels")
    assert len(p.labels()) > 2  # ... or every one so far
    inside = p.js("""const n = document.querySelector('#nodes .node.active').getBoundingClientRect();
        const s = document.getElementById('graph').getBoundingClientRect();
        return n.left >= s.left && n.right <= s.right && n.top >= s.top && n.bottom <= s.bottom;""")
    assert inside
    assert p.errors() == []


def test_a_graph_without_gradients_plays_forward_only(page):
    p = page("2*pi")
    assert p.d.find_element("id", "to-backward").get_attribute("disabled") == "true"
    p.press("step")
    assert p.text("phase") == "Forward pass: step 1 of 1"
    assert p.nodes()[0]["lines"] == ["2*pi", "constant", "value 6.283185307179586", "no grad"]
    assert p.explanation()[-1] == "No backward pass: nothing in the output requires grad."
    assert p.d.find_element("id", "step").get_attribute("disabled") == "true"
    assert p.errors() == []


def test_a_vector_expression_plays_with_evals_vectors(page, cli):
    # issue 8: the page works for vector expressions. x*2 at x = [1, 2], backward from the gradient
    # [1, 0.5] (torch's out.backward(gradient)): x.grad = [2, 1], as agrad eval computes it
    args = ("x*2", "--x", "1,2", "--gradient", "1,0.5")
    expected = json.loads(cli("eval", *args, "--format", "json").stdout)
    assert expected["value"] == [2.0, 4.0] and expected["grads"] == {"x": [2.0, 1.0]}
    p = page(*args)
    p.press("step", 3)
    assert p.text("phase") == "Forward pass: step 3 of 3"
    assert [n["lines"][2] for n in p.nodes()] == ["value [1.0, 2.0]", "value 2.0",
                                                  f"value {numbers.text(expected['value'])}"]
    assert p.explanation()[0] == "x * 2 = [1.0, 2.0] * 2.0 = [2.0, 4.0]"
    p.press("step")
    assert p.text("phase") == "Backward pass: step 1 of 2"
    assert p.nodes()[2]["lines"][3] == "grad in [1.0, 0.5]"
    assert p.labels() == ["grad [2.0, 1.0] (×[2.0, 2.0])"]
    assert p.explanation()[0] == ("Backward starts at the output x * 2 from the gradient given to it (--gradient, "
                                  "torch's out.backward(gradient)): [1.0, 0.5].")
    assert "∂out/∂x = [2.0, 2.0], so the gradient sent to x is [1.0, 0.5] × [2.0, 2.0] = [2.0, 1.0]." \
        in p.explanation()
    p.key("\ue014")
    assert p.nodes()[0]["lines"][3] == f"grad {numbers.text(expected['grads']['x'])}" == "grad [2.0, 1.0]"
    assert p.explanation()[-1] == "Backward is done. The leaves hold their gradients: x.grad = [2.0, 1.0]."
    p.press("back", 2)  # back into the forward pass: the gradients are gone again
    assert p.text("phase") == "Forward pass: step 3 of 3" and p.labels() == []
    assert p.nodes()[0]["lines"][3] == "grad None" and p.nodes()[2]["lines"][3] == "grad in ?"
    assert p.errors() == []


def test_a_reduction_of_vectors_plays_to_evals_gradients(page, cli):
    args = ("sum(x*w)", "--x", "1,2", "--w", "3,4")
    expected = json.loads(cli("eval", *args, "--format", "json").stdout)
    assert expected["grads"] == {"x": [3.0, 4.0], "w": [1.0, 2.0]}  # d sum(x*w)/dx = w, /dw = x
    p = page(*args)
    p.press("end")
    assert p.text("phase") == "Backward pass: step 4 of 4"
    shown = {n["lines"][0]: n["lines"][2:] for n in p.nodes()}
    assert shown == {"x": ["value [1.0, 2.0]", "grad [3.0, 4.0]"], "w": ["value [3.0, 4.0]", "grad [1.0, 2.0]"],
                     "MulBackward0": ["value [3.0, 8.0]", "grad in [1.0, 1.0]"],
                     "SumBackward0": [f"value {numbers.text(expected['value'])}", "grad in 1.0"]}
    assert sorted(p.labels()) == ["grad [1.0, 1.0] (×[1.0, 1.0])", "grad [1.0, 2.0] (×[1.0, 2.0])",
                                  "grad [3.0, 4.0] (×[3.0, 4.0])"]
    p.press("to-backward")
    assert p.explanation()[0] == "Backward starts at the output sum(x * w): its gradient is ∂out/∂out = 1.0."
    p.key("\ue012", 2)
    assert p.text("phase") == "Forward pass: step 3 of 4"
    assert p.nodes()[3]["lines"][2] == "value ?"
    assert p.errors() == []
