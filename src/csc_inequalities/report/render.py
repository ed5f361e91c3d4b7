"""Render report/report.html from the section registry, the result files and Jinja2 templates."""

from __future__ import annotations

import datetime as _dt
import functools
import importlib
import logging
import os
from pathlib import Path
from typing import Any

import jinja2
import yaml

from csc_inequalities.report.captions import render_caption
from csc_inequalities.report.format import TableWriter
from csc_inequalities.report.html import TEMPLATE_GLOBALS
from csc_inequalities.workflow_io import git_commit, package_versions

log = logging.getLogger(__name__)


def ordered_sections(sections: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return sorted(sections.items(), key=lambda item: (item[1].get("order", 100), item[0]))


def make_environment(
    template_dir: str | Path, writer: TableWriter | None = None, config: dict[str, Any] | None = None
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(TEMPLATE_GLOBALS)
    if writer is not None:  # long tables also written as CSV beside the report, linked from it
        env.globals["table"] = functools.partial(TEMPLATE_GLOBALS["table"], writer=writer)
    env.globals["caption"] = functools.partial(  # captions shared with snakemake --report
        render_caption, caption_dir=Path(template_dir).parent / "captions", config=config or {}
    )
    return env


def render_report(
    sections: dict[str, dict[str, Any]],
    config: dict[str, Any],
    template_dir: str | Path,
    out_path: str | Path,
    synthetic: bool,
    benchmark_table: Any = None,
    tables_dir: str | Path | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Build every section's context from its result files and write one self-contained HTML file."""
    writer = (
        TableWriter(tables_dir, link_prefix=os.path.relpath(tables_dir, Path(out_path).parent)) if tables_dir else None
    )
    env = make_environment(template_dir, writer, config)
    rendered = []
    for name, section in ordered_sections(sections):
        module = importlib.import_module(f"csc_inequalities.report.sections.{name}")
        inputs = dict(section.get("inputs", {}))
        context = module.build_context(inputs, config)
        if writer is not None:
            writer.section = name
        template = env.get_template(f"sections/{name}.html.j2")
        body = template.render(inputs=inputs, config=config, synthetic=synthetic, **context)
        rendered.append({"name": name, "title": section.get("title", name), "html": body})
        log.info("rendered section %s", name)
    # A run on an LA's own extracts names the LA in the title and banner (issue 14).
    subject = None
    if "la_report" in sections:
        from csc_inequalities.report.sections.la_report import report_subject

        subject = report_subject(config, sections)
    page = env.get_template("base.html.j2").render(
        sections=rendered,
        subject=subject,
        synthetic=synthetic,
        run_label=config.get("run_label", "default"),
        config_yaml=yaml.safe_dump(config, sort_keys=True, default_flow_style=False),
        packages=package_versions(),
        commit=git_commit(),
        created=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        benchmark_table=benchmark_table,
        **(extra or {}),
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return out_path
