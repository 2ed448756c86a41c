"""The course book (``make book``): the chapters with their stored outputs and the API reference,
built offline with warnings as errors; every chapter has its page, every link inside the book
resolves, and no page needs the network to show itself."""

import html.parser
import pathlib
import pkgutil
import re
import subprocess
import sys
import urllib.parse

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The same command as the Makefile's `book` target, into a temporary folder.
BUILD = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q"]
# Elements whose src/href the browser loads while it shows the page (an <a href> is only a link).
LOADED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src",
          "audio": "src", "embed": "src", "link": "href"}  # fmt: skip


class _Page(html.parser.HTMLParser):
    """The ids, the links and the loaded resources of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.loaded = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in LOADED and attrs.get(LOADED[tag]):
            self.loaded.append((tag, attrs[LOADED[tag]]))


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book") / "html"
    done = subprocess.run(
        [*BUILD, "docs", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    sphinx_lines = [
        line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line
    ]
    assert done.returncode == 0, "the book did not build:\n" + "\n".join(
        sphinx_lines or [done.stderr]
    )
    return out


@pytest.fixture(scope="module")
def pages(book):
    return {path: _parse(path) for path in book.rglob("*.html")}


def _is_external(url):
    return bool(urllib.parse.urlsplit(url).scheme) or url.startswith("//")


def test_every_chapter_has_a_page_with_its_title(book):
    assert CHAPTERS, "no chapters found in notebooks/"
    for chapter in CHAPTERS:
        page = book / "chapters" / f"{chapter.stem}.html"
        assert page.is_file(), f"{chapter.name} has no page in the book"
        notebook = nbformat.read(chapter, as_version=4)
        title = next(
            line[2:].strip()
            for cell in notebook.cells
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("# ")
        )
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        # Sphinx sets quotes typographically.
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        assert title.replace("`", "") in text, f"{page.name} does not show the title {title!r}"


def test_the_contents_page_links_every_chapter_in_order(book, pages):
    links = [link for link in pages[book / "index.html"].links if link.startswith("chapters/")]
    chapter_links = [link for link in links if re.match(r"chapters/\d\d_", link)]
    expected = [f"chapters/{chapter.stem}.html" for chapter in CHAPTERS]
    assert list(dict.fromkeys(chapter_links)) == expected


def test_every_chapter_shows_its_stored_pictures(book, pages):
    for chapter in CHAPTERS:
        notebook = nbformat.read(chapter, as_version=4)
        pictures = sum(
            "image/png" in output.get("data", {})
            for cell in notebook.cells
            for output in cell.get("outputs", [])
        )
        page = pages[book / "chapters" / f"{chapter.stem}.html"]
        # A picture is a file of the book, or inline in a widget's static fallback (text/html).
        shown = [
            src
            for tag, src in page.loaded
            if tag == "img" and ("_images/" in src or src.startswith("data:image/"))
        ]
        assert len(shown) >= pictures, (
            f"{chapter.name}: {pictures} pictures stored, {len(shown)} shown"
        )


def test_every_public_module_has_an_api_page(book):
    import deconv_tutor

    modules = ["deconv_tutor"] + [
        module.name
        for module in pkgutil.walk_packages(deconv_tutor.__path__, prefix="deconv_tutor.")
        if not any(part.startswith("_") for part in module.name.split("."))
        # The exercise banks hold the answers: a chapter shows them only when asked.
        and not module.name.startswith("deconv_tutor.questions.")
    ]
    assert {"deconv_tutor.arithmetic", "deconv_tutor.reference", "deconv_tutor.models"} <= set(
        modules
    )
    for module in modules:
        page = book / "api" / f"{module}.html"
        assert page.is_file(), f"{module} has no page in the API reference"
        assert f'id="module-{module}"' in page.read_text(encoding="utf-8")
    assert not list((book / "api").glob("deconv_tutor.questions.*.html"))


def test_every_link_inside_the_book_resolves(book, pages):
    broken = []
    for path, page in pages.items():
        for url in page.links + [src for _, src in page.loaded]:
            if _is_external(url) or url.startswith(("mailto:", "data:", "javascript:")):
                continue
            parts = urllib.parse.urlsplit(url)
            target = (
                (path.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else path
            )
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(book)}: {url}")
            elif parts.fragment and target.suffix == ".html" and target in pages:
                if urllib.parse.unquote(parts.fragment) not in pages[target].ids:
                    broken.append(f"{path.relative_to(book)}: {url} (no such anchor)")
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


def test_no_page_loads_anything_from_the_network(book, pages):
    remote = [
        f"{path.relative_to(book)}: <{tag}> {url}"
        for path, page in pages.items()
        for tag, url in page.loaded
        if _is_external(url) and not url.startswith("data:")
    ]
    for sheet in book.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"(?:@import\s+|url\()\s*['\"]?((?:https?:)?//[^'\")\s]+)", text):
            remote.append(f"{sheet.relative_to(book)}: {match.group(1)}")
    assert not remote, "loaded from the network:\n" + "\n".join(remote)


def test_the_maths_is_typeset_by_the_mathjax_copy_in_the_book(book, pages):
    with_maths = [path for path in pages if 'class="math' in path.read_text(encoding="utf-8")]
    assert len(with_maths) >= len(CHAPTERS) // 2, "the chapters' maths did not reach the pages"
    for path in with_maths:
        scripts = [src for tag, src in pages[path].loaded if tag == "script" and "MathJax" in src]
        assert scripts, f"{path.relative_to(book)} has maths but no MathJax"
        local = (path.parent / urllib.parse.urlsplit(scripts[0]).path).resolve()
        assert local.is_relative_to(book) and local.is_file()
    assert (book / "_static" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
