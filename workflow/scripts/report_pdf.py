"""Thin adapter: print the report to PDF in headless Chromium, with the browser check's findings."""

import json

from csc_inequalities.report.browser import check_report
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    result = check_report(snakemake.input.html, pdf_path=snakemake.output.pdf)
    with open(snakemake.output.check, "w") as handle:
        json.dump(result, handle, indent=1)
    log.info(
        "%s: %s pages; %d outside requests, %d console errors, %d broken images, %d broken links",
        snakemake.output.pdf,
        result["pdf_pages"],
        len(result["requests_outside"]),
        len(result["console_errors"]),
        len(result["broken_images"]),
        len(result["broken_links"]),
    )
