"""The report as a reader's browser shows it: headless Chromium (Debian's ``chromium``) through
Playwright, with every request that would leave the file blocked and recorded.

``check_report`` returns what a reader would hit: requests other than the file itself, console
errors, images that do not decode, table-of-contents links whose target is missing; it saves a
screenshot of the first screen and prints the whole report to PDF.

    python -m csc_inequalities.report.browser report/report.html --pdf report/report.pdf
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_page_count(path: str | Path) -> int:
    """Pages of a PDF, from its page objects (Chromium writes one /Type /Page per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", Path(path).read_bytes()))


def check_report(
    html_path: str | Path,
    screenshot_path: str | Path | None = None,
    pdf_path: str | Path | None = None,
    width: int = 1280,
    height: int = 900,
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install chromium)")
    html_path = Path(html_path).resolve()
    url = html_path.as_uri()
    outside: list[str] = []
    console_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})

        def route(request_route, request):
            if request.url == url or request.url.startswith("data:"):
                return request_route.continue_()
            outside.append(request.url)  # never fetched: the report must be self-contained
            return request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        page.goto(url, wait_until="load")
        images = page.evaluate("document.images.length")
        broken_images = page.evaluate(
            "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 60))"
        )
        links = page.evaluate(
            "[...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href').slice(1))"
        )
        broken_links = page.evaluate(
            "[...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href').slice(1))"
            ".filter(id => id && !document.getElementById(decodeURIComponent(id)))"
        )
        if screenshot_path:
            Path(screenshot_path).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot_path))
        pages = None
        if pdf_path:
            Path(pdf_path).parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(pdf_path), format="A4", print_background=True)
            pages = pdf_page_count(pdf_path)
        browser.close()
    return {
        "requests_outside": outside,
        "console_errors": console_errors,
        "images": images,
        "broken_images": broken_images,
        "toc_links": len(links),
        "broken_links": broken_links,
        "pdf_pages": pages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csc_inequalities.report.browser",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("html")
    parser.add_argument("--pdf")
    parser.add_argument("--screenshot")
    parser.add_argument("--json", help="write the check's result here")
    args = parser.parse_args(argv)
    result = check_report(args.html, args.screenshot, args.pdf)
    text = json.dumps(result, indent=1)
    if args.json:
        Path(args.json).write_text(text)
    print(text)
    bad = result["requests_outside"] or result["console_errors"] or result["broken_images"] or result["broken_links"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
