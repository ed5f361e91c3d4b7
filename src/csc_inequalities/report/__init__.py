"""Render the HTML report from result files (tables, figures, provenance JSON); computes nothing."""
