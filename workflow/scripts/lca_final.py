"""Final model: chosen by BIC, classes matched to the published profiles and named; item-profile
heatmap; cross-validation on the independent second sample."""

import json

import pandas as pd

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.analysis import cross_validate, label_classes, profiles_frame
from csc_inequalities.lca.io import choose_final, estimation_data
from csc_inequalities.lca.items import item_label, item_matrix, lca_population
from csc_inequalities.lca.matching import published_reference
from csc_inequalities.lca.plots import profile_heatmap
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    fit_table = pd.read_csv(snakemake.input.fit_table)
    models = json.loads(open(snakemake.input.models).read())
    fit, choice = choose_final(fit_table, models)
    if snakemake.params.final_fit == "all":
        # The chosen model re-estimated on every eligible episode (lca.final_fit; model.refine_invariant).
        episodes = pd.read_parquet(snakemake.input.episodes)
        eligible = episodes[
            lca_population(
                episodes,
                snakemake.params.assessed_only,
                snakemake.params.require_any_factor,
                fit.items,
                completed_only=snakemake.params.completed_only,
            )
        ]
        eligible = eligible[eligible["la_code"].astype(str).isin(fit.groups)]
        sample_ll = fit.log_likelihood
        fit = lcm.refine_invariant(
            fit,
            item_matrix(eligible, fit.items),
            eligible["la_code"].astype(str).to_numpy(),
            lcm.FitSettings(**snakemake.params.fit),
        )
        choice.update(
            final_fit="all eligible episodes", final_fit_episodes=int(len(eligible)), sample_log_likelihood=sample_ll
        )
        del episodes, eligible
    else:
        choice["final_fit"] = "estimation sample"
    reference, names = published_reference(
        pd.read_csv(snakemake.input.profiles), pd.read_csv(snakemake.input.profile_codes)
    )
    fit, matching, class_ids, class_names = label_classes(fit, reference, names)
    profiles = profiles_frame(fit, class_ids)
    long = (
        profiles.rename_axis("class_id")
        .reset_index()
        .melt(id_vars="class_id", var_name="factor_code", value_name="probability")
    )
    long.insert(1, "class_name", long["class_id"].map(class_names))
    published = (
        reference.rename_axis("class_id")
        .reset_index()
        .melt(id_vars="class_id", var_name="factor_code", value_name="published_probability")
        .dropna()
    )
    long.merge(published, on=["class_id", "factor_code"], how="left").to_csv(snakemake.output.profiles, index=False)
    matching.to_csv(snakemake.output.matching, index=False)
    shares = pd.DataFrame(fit.class_shares, index=fit.groups, columns=class_ids)
    shares.rename_axis("la_code").reset_index().melt(id_vars="la_code", var_name="class_id", value_name="share").assign(
        class_name=lambda f: f["class_id"].map(class_names)
    ).to_csv(snakemake.output.shares, index=False)
    profile_heatmap(
        profiles.rename(index=lambda k: f"{k} {class_names[k]}"),
        {code: item_label(code) for code in profiles.columns},
        snakemake.output.heatmap,
    )

    X2, groups2, _ = estimation_data(snakemake.input.episodes, None, snakemake.input.samples, sample=2, codes=fit.items)
    cv = cross_validate(fit, class_ids, X2, groups2, lcm.FitSettings(**snakemake.params.fit))
    with open(snakemake.output.cross_validation, "w") as handle:
        json.dump(cv, handle, indent=2, default=str)
    out = lcm.to_dict(fit)
    out.update(class_ids=class_ids, class_names={str(k): v for k, v in class_names.items()}, choice=choice)
    with open(snakemake.output.model, "w") as handle:
        json.dump(out, handle, indent=2)
    log.info("final model %s; cross-validation agreement %.3f", choice, cv["agreement"])
