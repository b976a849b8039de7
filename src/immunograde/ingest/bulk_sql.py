"""The ClinicalTrials.gov mapping of :mod:`.ctgov_map` written as DuckDB SQL (the bulk path).

DuckDB parses newline-delimited study objects (``{"i": rec, "l": label, "d": study}``) straight
into the typed :data:`DOC` struct, and the statements below unnest it into staging tables with the
``reg_`` columns (plus ``_rec`` and ``_ok``).  Each expression mirrors a Python helper of
:mod:`.common`; where the two could disagree (a number written as ``"1,234"``, a date as ``"May
2015"``, a count as ``" 12"``), the SQL takes only the plain form and sets ``_ok = false``, and the
caller maps that record with the Python code instead, so both paths store the same rows.
"""

from __future__ import annotations

from immunograde.ingest.common import _TYPE_LABELS

#: the characters ``str.split()`` splits on (``str.isspace()``), as an RE2 class;
#: tests/ingest/test_bulk_sql.py checks it against Python for every code point
WS = (
    r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}]"
)
#: a decimal number both ``float()`` and DuckDB's cast read, to the same double
NUM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PREFIX = "(?:" + "|".join(sorted(_TYPE_LABELS, key=len, reverse=True)) + "): "

_S = "VARCHAR"
_MESH = f"STRUCT(term {_S})[]"
_MEASUREMENT = f"STRUCT(groupId {_S}, value {_S}, spread {_S}, lowerLimit {_S}, upperLimit {_S})"
_ANALYSIS = (
    f"STRUCT(groupIds {_S}[], paramType {_S}, paramValue {_S}, ciPctValue {_S}, ciNumSides {_S}, "
    f"ciLowerLimit {_S}, ciUpperLimit {_S}, pValue {_S}, statisticalMethod {_S}, "
    f"nonInferiorityType {_S}, dispersionType {_S}, dispersionValue {_S})"
)
_OUTCOME = (
    f"STRUCT(type {_S}, title {_S}, timeFrame {_S}, unitOfMeasure {_S}, paramType {_S}, "
    f"dispersionType {_S}, groups STRUCT(id {_S}, title {_S})[], "
    f"denoms STRUCT(units {_S}, counts STRUCT(groupId {_S}, value {_S})[])[], "
    f"classes STRUCT(title {_S}, categories STRUCT(title {_S}, measurements {_MEASUREMENT}[])[])[], "
    f"analyses {_ANALYSIS}[])"
)
_PROTOCOL = (
    f"STRUCT(identificationModule STRUCT(nctId {_S}, briefTitle {_S}, officialTitle {_S}, "
    f"acronym {_S}), statusModule STRUCT(overallStatus {_S}, startDateStruct STRUCT(date {_S}), "
    f"primaryCompletionDateStruct STRUCT(date {_S}), completionDateStruct STRUCT(date {_S})), "
    f"sponsorCollaboratorsModule STRUCT(leadSponsor STRUCT(name {_S}, class {_S}), "
    f"collaborators STRUCT(name {_S}, class {_S})[]), conditionsModule STRUCT(conditions {_S}[]), "
    f"designModule STRUCT(studyType {_S}, phases {_S}[], designInfo STRUCT(allocation {_S}, "
    f"interventionModel {_S}, primaryPurpose {_S}, maskingInfo STRUCT(masking {_S})), "
    f"enrollmentInfo STRUCT(count {_S}, type {_S})), armsInterventionsModule STRUCT("
    f"armGroups STRUCT(label {_S}, type {_S}, description {_S}, interventionNames {_S}[])[], "
    f"interventions STRUCT(type {_S}, name {_S}, otherNames {_S}[], armGroupLabels {_S}[])[]), "
    f"contactsLocationsModule STRUCT(locations STRUCT(country {_S})[]))"
)
#: the parts of an API v2 study object the mapping reads (everything else is skipped unparsed)
DOC = (
    f"STRUCT(protocolSection {_PROTOCOL}, hasResults BOOLEAN, derivedSection STRUCT("
    f"interventionBrowseModule STRUCT(meshes {_MESH}, ancestors {_MESH}, "
    f"browseLeaves STRUCT(name {_S}, relevance {_S})[]), "
    f"conditionBrowseModule STRUCT(meshes {_MESH}, ancestors {_MESH})), "
    f"resultsSection STRUCT(outcomeMeasuresModule STRUCT(outcomeMeasures {_OUTCOME}[])))"
)


def clean(x: str) -> str:
    """:func:`~.common.clean_text`: white-space runs folded to one space, trimmed, '' -> NULL."""
    return f"nullif(trim(regexp_replace({x}, '{WS}+', ' ', 'g'), ' '), '')"


def num(x: str) -> str:
    """:func:`~.common.to_float` for plain numbers, optionally after ``<``, ``>=``, … (else NULL)."""
    cast = f"TRY_CAST(regexp_extract({x}, '^[<>=≤≥ ]*({NUM})$', 1) AS DOUBLE)"
    return f"(CASE WHEN isfinite({cast}) THEN {cast} END)"  # 1e400: NULL, as to_float gives


def num_ok(x: str, value: str) -> str:
    """True when ``value`` (:func:`num` of ``x``) equals ``to_float(x)``: NULL, a plain number, or
    no digit, nan or inf at all (then ``to_float`` gives None too)."""
    return (
        f"({x} IS NULL OR {value} IS NOT NULL OR NOT regexp_matches({x}, '\\p{{Nd}}|(?i:nan|inf)'))"
    )


def whole(x: str) -> str:
    """:func:`~.common.to_int` for unsigned digit strings (JSON integers arrive as their text)."""
    return f"TRY_CAST(regexp_extract({x}, '^[0-9]+$') AS BIGINT)"


def whole_ok(x: str) -> str:
    return f"({x} IS NULL OR {x} = '' OR {whole(x)} IS NOT NULL)"


def date_ok(x: str) -> str:
    """:func:`~.common.partial_date` keeps ISO dates as written; other spellings go to Python."""
    return f"({x} IS NULL OR regexp_full_match({x}, '[0-9]{{4}}(?:-[0-9]{{2}}){{0,2}}'))"


def no_nulls(x: str) -> str:
    return f"({x} IS NULL OR list_count({x}) = len({x}))"


def sorted_names(x: str, strip_prefix: bool = False) -> str:
    """``sorted(clean_text(n) or "" for n in x)``, ``[]`` when absent (byte order = code points)."""
    n = f"regexp_replace(n, '^{_PREFIX}', '')" if strip_prefix else "n"
    return f"list_sort(list_transform(coalesce({x}, []), lambda n: coalesce({clean(n)}, '')))"


def p_value_parts(x: str) -> tuple[str, str, str]:
    """:func:`~.common.split_p_value` for ``[<>= ]*number`` (value, modifier) and its guard."""
    plain = r"[<>= ]*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    blank = f"regexp_full_match({x}, '{WS}*')"
    value = (
        f"CASE WHEN NOT {blank} THEN TRY_CAST(regexp_replace({x}, '[<> =]', '', 'g') AS DOUBLE) END"
    )
    modifier = f"nullif(trim(regexp_replace({x}, '[0-9.\\-]', '', 'g'), ' '), '')"
    ok = f"({x} IS NULL OR {blank} OR (regexp_full_match({x}, '{plain}') AND {value} IS NOT NULL))"
    return value, f"CASE WHEN NOT {blank} THEN {modifier} END", ok


def raw_sql() -> str:
    """``_ig_raw``: one row per document of the chunk file (parameter 1), the parts the mapping
    reads, one column each (a statement scans only its columns); ``_ok`` is false when the document
    is not a study with a well-formed NCT id."""
    ps, nct = "d.protocolSection", "d.protocolSection.identificationModule.nctId"
    aim = f"{ps}.armsInterventionsModule"
    return (
        f"CREATE OR REPLACE TEMP TABLE _ig_raw AS SELECT i::BIGINT AS _rec, l AS source_file, "
        f"{nct} AS nct_id, coalesce(regexp_full_match({nct}, 'NCT[0-9]{{8}}'), false) AS _ok, "
        f"d.hasResults AS has_results, {ps}.identificationModule AS ident, "
        f"{ps}.statusModule AS status, {ps}.designModule AS design, "
        f"{ps}.sponsorCollaboratorsModule AS sponsors, {ps}.conditionsModule.conditions AS conditions, "
        f"{aim}.armGroups AS arm_groups, {aim}.interventions AS interventions, "
        f"list_transform({ps}.contactsLocationsModule.locations, lambda x: x.country) AS countries, "
        f"d.derivedSection.interventionBrowseModule AS iv_browse, "
        f"d.derivedSection.conditionBrowseModule AS cond_browse, "
        f"d.resultsSection.outcomeMeasuresModule.outcomeMeasures AS oms "
        f"FROM read_json(?, format = 'unstructured', compression = 'uncompressed', "
        f"columns = {{'i': 'BIGINT', 'l': 'VARCHAR', 'd': '{DOC}'}}, "
        f"maximum_object_size = 1073741824)"
    )


def locations_sql() -> str:
    """``_ig_loc0``: each location's country name (non-empty), in order."""
    return (
        "CREATE OR REPLACE TEMP TABLE _ig_loc0 AS SELECT * FROM (SELECT _rec, nct_id, "
        "generate_subscripts(countries, 1) AS li, unnest(countries) AS name FROM _ig_raw "
        "WHERE _ok) WHERE name <> ''"
    )


def studies_sql() -> str:
    """``_ig_b_reg_studies`` (needs ``_ig_countries(_rec, countries)``)."""
    st, de, sp = "status", "design", "sponsors"
    info, enrol = f"{de}.designInfo", f"{de}.enrollmentInfo"
    count = f"{enrol}.count"
    dates = [f"{st}.{k}DateStruct.date" for k in ("start", "primaryCompletion", "completion")]
    collab_classes = f"list_transform({sp}.collaborators, lambda c: c.class)"
    return f"""CREATE OR REPLACE TEMP TABLE _ig_b_reg_studies AS SELECT _rec, source_file, nct_id,
 {clean("ident.officialTitle")} AS title,
 {clean("ident.briefTitle")} AS brief_title,
 {clean("ident.acronym")} AS acronym,
 {st}.overallStatus AS overall_status,
 CASE WHEN len({de}.phases) > 0 THEN array_to_string({de}.phases, '/') END AS phase,
 {de}.studyType AS study_type, {info}.allocation AS allocation,
 {info}.interventionModel AS intervention_model, {info}.primaryPurpose AS primary_purpose,
 {info}.maskingInfo.masking AS masking, {whole(count)} AS enrollment, {enrol}.type AS enrollment_type,
 {clean(dates[0])} AS start_date, {clean(dates[1])} AS primary_completion_date,
 {clean(dates[2])} AS completion_date, coalesce(has_results, false) AS has_results,
 {clean(f"{sp}.leadSponsor.name")} AS lead_sponsor, {sp}.leadSponsor.class AS lead_sponsor_class,
 coalesce(list_transform({sp}.collaborators, lambda c: {clean("c.name")}), []) AS collaborators,
 CASE WHEN {sp}.leadSponsor.class = 'INDUSTRY' THEN 'industry'
  WHEN list_contains({collab_classes}, 'INDUSTRY') THEN 'mixed'
  WHEN {sp}.leadSponsor.class IN ('NIH', 'FED', 'OTHER_GOV') THEN 'public' ELSE 'unknown' END
  AS funding,
 coalesce(c.countries, []) AS countries,
 CASE WHEN len(c.countries) > 0 THEN len(c.countries) > 1 END AS international,
 coalesce(list_transform(conditions, lambda x: {clean("x")}), [])
  AS conditions,
 {whole_ok(count)} AND {no_nulls(de + ".phases")} AND {no_nulls(sp + ".collaborators")}
  AND {" AND ".join(date_ok(clean(d)) for d in dates)} AS _ok
FROM _ig_raw LEFT JOIN _ig_countries c USING (_rec) WHERE _ig_raw._ok"""


def arms_sql() -> str:
    arms = f"""CREATE OR REPLACE TEMP TABLE _ig_b_reg_arms AS SELECT _rec, nct_id, arm_no,
 {clean("a.label")} AS label, a.type AS arm_type, {clean("a.description")} AS description,
 {sorted_names("a.interventionNames", strip_prefix=True)} AS intervention_names,
 a IS NOT NULL AND {no_nulls("a.interventionNames")} AS _ok
FROM (SELECT _rec, nct_id, generate_subscripts(arm_groups, 1) AS arm_no,
 unnest(arm_groups) AS a FROM _ig_raw WHERE _ok)"""
    interventions = f"""CREATE OR REPLACE TEMP TABLE _ig_b_reg_interventions AS SELECT _rec, nct_id,
 intervention_no, v.type AS intervention_type, {clean("v.name")} AS name,
 {sorted_names("v.otherNames")} AS other_names, {sorted_names("v.armGroupLabels")} AS arm_group_labels,
 v IS NOT NULL AS _ok
FROM (SELECT _rec, nct_id, generate_subscripts(interventions, 1) AS intervention_no,
 unnest(interventions) AS v FROM _ig_raw WHERE _ok)"""
    return arms + ";\n" + interventions


def _mesh_part(module: str, kind: str, mesh_type: str, part: int, leaves: bool = False) -> str:
    field = f"{module}.{kind}"
    term, rel = ("x.name", "x.relevance") if leaves else ("x.term", "NULL::VARCHAR")
    return (
        f"SELECT _rec, nct_id, {part} AS part, i, {clean(term)} AS mesh_term, "
        f"'{mesh_type}' AS mesh_type, {rel} AS relevance FROM (SELECT _rec, nct_id, "
        f"generate_subscripts({field}, 1) AS i, unnest({field}) AS x FROM _ig_raw WHERE _ok)"
    )


def mesh_sql() -> str:
    iv, cond = "iv_browse", "cond_browse"
    ivs = " UNION ALL ".join(
        (
            _mesh_part(iv, "meshes", "mesh-list", 1),
            _mesh_part(iv, "ancestors", "mesh-ancestor", 2),
            _mesh_part(iv, "browseLeaves", "browse-leaf", 3, leaves=True),
        )
    )
    conds = " UNION ALL ".join(
        (
            _mesh_part(cond, "meshes", "mesh-list", 1),
            _mesh_part(cond, "ancestors", "mesh-ancestor", 2),
        )
    )
    return (
        "CREATE OR REPLACE TEMP TABLE _ig_b_reg_intervention_ancestors AS SELECT _rec, nct_id, "
        f"mesh_term, mesh_type, relevance, true AS _ok FROM ({ivs});\n"
        "CREATE OR REPLACE TEMP TABLE _ig_b_reg_condition_mesh AS SELECT _rec, nct_id, "
        f"mesh_term, mesh_type, true AS _ok FROM ({conds})"
    )


def outcomes_sql() -> str:
    """``_ig_om``: one row per outcome measure, its parts in separate columns; then the staged
    outcomes and the outcome-level denominators (group titles looked up in ``groups``)."""
    flat = (
        "flatten(list_transform(om.classes, lambda c: flatten(list_transform(c.categories, "
        "lambda k: list_transform(k.measurements, lambda m: {'ct': c.title, 'kt': k.title, "
        "'m': m})))))"
    )
    return f"""CREATE OR REPLACE TEMP TABLE _ig_om AS SELECT _rec, nct_id, outcome_no,
 om IS NOT NULL AS _ok, om.type AS outcome_type, {clean("om.title")} AS title,
 {clean("om.timeFrame")} AS time_frame, {clean("om.unitOfMeasure")} AS units,
 om.paramType AS param_type, om.dispersionType AS dispersion_type, om.groups AS groups,
 om.denoms AS denoms, {flat} AS ms, om.analyses AS analyses
FROM (SELECT _rec, nct_id, generate_subscripts(oms, 1) AS outcome_no, unnest(oms) AS om
 FROM _ig_raw WHERE _ok);
CREATE OR REPLACE TEMP TABLE _ig_b_reg_outcomes AS SELECT _rec, nct_id, outcome_no, outcome_type,
 title, time_frame, units, param_type, dispersion_type, _ok FROM _ig_om;
CREATE OR REPLACE TEMP TABLE _ig_b_reg_outcome_counts AS SELECT _rec, nct_id, outcome_no,
 c.groupId AS group_code,
 {clean("list_filter(groups, lambda g: g.id IS NOT DISTINCT FROM c.groupId)[-1].title")}
  AS group_title, {clean("d.units")} AS units, {whole("c.value")} AS count,
 {whole_ok("c.value")} AND c IS NOT NULL AS _ok
FROM (SELECT _rec, nct_id, outcome_no, groups, d, unnest(d.counts) AS c
 FROM (SELECT _rec, nct_id, outcome_no, groups, unnest(denoms) AS d FROM _ig_om))"""


def measurements_sql() -> str:
    """``classes[].categories[].measurements[]`` flattened in order and numbered per outcome."""
    spread, low, high = "x.m.spread", "x.m.lowerLimit", "x.m.upperLimit"
    return f"""CREATE OR REPLACE TEMP TABLE _ig_b_reg_outcome_measurements AS SELECT _rec, nct_id,
 outcome_no, measurement_no, group_code, classification, category, v AS param_value,
 v_num AS param_value_num, s_num AS dispersion_value_num, l_num AS lower_limit,
 h_num AS upper_limit, x_ok AND {num_ok("v", "v_num")} AND {num_ok(spread, "s_num")}
 AND {num_ok(low, "l_num")} AND {num_ok(high, "h_num")} AS _ok
FROM (SELECT *, {num("v")} AS v_num, {num(spread)} AS s_num, {num(low)} AS l_num,
 {num(high)} AS h_num FROM (SELECT *, x.m IS NOT NULL AS x_ok, x.m.groupId AS group_code,
 {clean("x.ct")} AS classification, {clean("x.kt")} AS category, {clean("x.m.value")} AS v
 FROM (SELECT _rec, nct_id, outcome_no, generate_subscripts(ms, 1) AS measurement_no,
 unnest(ms) AS x FROM _ig_om)))"""


def analyses_sql() -> str:
    p_value, modifier, p_ok = p_value_parts("a.pValue")
    nums = ("a.paramValue", "a.ciPctValue", "a.ciLowerLimit", "a.ciUpperLimit", "a.dispersionValue")
    cols = ("estimate", "ci_pct", "ci_low", "ci_high", "dispersion_value")
    return f"""CREATE OR REPLACE TEMP TABLE _ig_b_reg_outcome_analyses AS SELECT _rec, nct_id,
 outcome_no, analysis_no, group_codes, param_type, estimate, ci_pct, ci_n_sides, ci_low, ci_high,
 p_value, p_value_modifier, p_value_raw, method, non_inferiority_type, dispersion_type,
 dispersion_value, a IS NOT NULL AND {no_nulls("a.groupIds")} AND {p_ok}
 AND {" AND ".join(num_ok(x, c) for x, c in zip(nums, cols, strict=True))} AS _ok
FROM (SELECT *, list_sort(coalesce(a.groupIds, [])) AS group_codes,
 {clean("a.paramType")} AS param_type, {num(nums[0])} AS estimate, {num(nums[1])} AS ci_pct,
 a.ciNumSides AS ci_n_sides, {num(nums[2])} AS ci_low, {num(nums[3])} AS ci_high,
 {p_value} AS p_value, {modifier} AS p_value_modifier, {clean("a.pValue")} AS p_value_raw,
 {clean("a.statisticalMethod")} AS method, a.nonInferiorityType AS non_inferiority_type,
 {clean("a.dispersionType")} AS dispersion_type, {num(nums[4])} AS dispersion_value
FROM (SELECT _rec, nct_id, outcome_no, generate_subscripts(analyses, 1) AS analysis_no,
 unnest(analyses) AS a FROM _ig_om))"""
