"""Statistics and data handling for the reproducible re-analysis of Hood et al. (2020, 2021).

The package knows nothing of Snakemake: every function takes plain data (data frames, paths,
parameters) and returns plain data. Workflow scripts under ``workflow/scripts`` are thin adapters.
"""

__version__ = "0.1.0"
