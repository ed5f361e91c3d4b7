"""Child-level data layer: readers for LA extracts (DfE CIN census XML or CSV tables, SSDA903
episodes, child -> LSOA), validation with per-rule policy, keyed-hash pseudonymisation and the
episode table of docs/data-model.md. Collaborators validate their files alone with
``python -m csc_inequalities.childlevel.validate --config config/config.yaml`` (docs/extracts.md).
"""
