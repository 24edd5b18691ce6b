"""The warehouse's views: the current figures by region, country and date, and those that join both sources.

`VIEWS` (migration 2) read the current monthly table alone. `SERIES_VIEWS` (migration 8) join both
sources and both tables:

`v_annual_series`: one row per (year, breakdown, category). A year follows one source kind,
the first in contract.SOURCE_KINDS that gives it any current figure (SNM before the
re-publication, even when SNM's newest file is partial); within it, twelve reported months,
else the annual figure, else the partial months. Region rows for a year given only by
nationality are derived from dim_country's SNM region (`derived`); a country without one
(OTHER, "Otros Países") goes to the category `unassigned`, never into `other` (SNM's
"Otras regiones").

`v_source_comparison`: for every cell both kinds give, each kind's figure from the top version
of its own chain (whether or not that kind is current for the year), month 0 for the annual
table, and month 0 of breakdown `total` for a year's sum over the months each kind reports
(so SNM's partial 2023, 333,704 for eight months, faces the re-publication's 520,085). Where the re-publication covers a month and breakdown, its missing row is a 0 (it
leaves zeros out): an SNM 0 against it is no row, any other SNM figure is compared with 0.
OTHER is compared only when both list the same countries (with persons) that month. `kind`
says what a difference probably is: `swapped` when the re-published value is SNM's value of
another category of the same breakdown and month and that category's re-published value is
this one's SNM value (two rows exchanged), else `revision` when SNM's figure is preliminary,
else `disagreement`; NULL when both agree.
"""

from __future__ import annotations

from darien import contract
from load import ranking, schema

_BIG = "CAST({} AS BIGINT)"

VIEWS = {
    "v_monthly_by_region": f"""
        SELECT year, month, category AS region, label, persons, preliminary, as_of
        FROM {contract.TABLE} WHERE breakdown = 'region'""",
    "v_annual_by_country": f"""
        SELECT year, category AS country, MAX(label) AS label, CAST(SUM(persons) AS BIGINT) AS persons,
               CAST(SUM(persons) AS DOUBLE PRECISION)
                 / NULLIF(SUM(SUM(persons)) OVER (PARTITION BY year), 0) AS share,
               BOOL_OR(preliminary) AS preliminary, MAX(as_of) AS as_of
        FROM {contract.TABLE} WHERE breakdown = 'country'
        GROUP BY year, category""",
    "v_latest_as_of": f"""
        SELECT year, as_of, preliminary, source_url, source_sha256, MAX(loaded_at) AS loaded_at
        FROM {contract.TABLE} WHERE breakdown = 'total'
        GROUP BY year, as_of, preliminary, source_url, source_sha256""",
}


def _precedence(alias: str) -> str:
    return ranking.PRECEDENCE.format(alias)


def _series() -> str:
    monthly, annual = schema.transit.name, schema.transit_annual.name
    return f"""
WITH months AS (
    SELECT year, source_kind, COUNT(DISTINCT month) AS months
    FROM {monthly} WHERE breakdown = 'total' GROUP BY year, source_kind
), candidates AS (
    SELECT m.year, m.breakdown, m.category, {_BIG.format('SUM(m.persons)')} AS persons,
           'months' AS basis, n.months, m.source_kind, BOOL_OR(m.preliminary) AS preliminary
    FROM {monthly} m JOIN months n ON n.year = m.year AND n.source_kind = m.source_kind
    GROUP BY m.year, m.breakdown, m.category, n.months, m.source_kind
    UNION ALL
    SELECT year, breakdown, category, persons, 'annual', NULL, source_kind, preliminary FROM {annual}
), ranked AS (
    SELECT c.*, {_precedence('c')} AS kind_rank,
           CASE WHEN c.basis = 'months' AND c.months = 12 THEN 0 WHEN c.basis = 'annual' THEN 1 ELSE 2 END
             AS basis_rank
    FROM candidates c
), chosen AS (
    SELECT year, MIN(kind_rank * 10 + basis_rank) AS choice FROM ranked GROUP BY year
), picked AS (
    SELECT r.year, r.breakdown, r.category, r.persons, r.basis, r.months, r.source_kind, r.preliminary
    FROM ranked r JOIN chosen c ON c.year = r.year AND c.choice = r.kind_rank * 10 + r.basis_rank
)
SELECT year, breakdown, category, persons, basis, months, source_kind, preliminary, FALSE AS derived
FROM picked
UNION ALL
SELECT p.year, 'region', COALESCE(d.snm_region, 'unassigned'), {_BIG.format('SUM(p.persons)')}, p.basis,
       p.months, p.source_kind, p.preliminary, TRUE
FROM picked p LEFT JOIN dim_country d ON d.iso3 = p.category
WHERE p.breakdown = 'country'
  AND NOT EXISTS (SELECT 1 FROM picked q WHERE q.year = p.year AND q.breakdown = 'region')
GROUP BY p.year, COALESCE(d.snm_region, 'unassigned'), p.basis, p.months, p.source_kind, p.preliminary"""


def _chain_tops(figures: ranking.Figures, month: str) -> str:
    """SQL: every cell of the top version of each chain (year, breakdown, kind), `month` the month column's expression."""
    part = ", ".join(f"s.{c}" for c in ranking.CHAIN)
    order = ", ".join(f"s.{c}" for c in ranking.RANKING)
    on = " AND ".join(f"v.{c} = t.{c}" for c in (*ranking.CHAIN, ranking.VERSION))
    return (f"SELECT v.year, {month} AS month, v.breakdown, v.category, v.persons, v.source_kind, t.preliminary"
            f" FROM {figures.rows.name} v JOIN (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY {order})"
            f" AS version_rank, COUNT(*) OVER (PARTITION BY {part}) AS versions FROM {figures.slices.name} s) t"
            f" ON {on} WHERE t.version_rank = t.versions")


def _comparison() -> str:
    snm, republication = contract.SOURCE_KINDS
    same_month = "o.year = {0}.year AND o.month = {0}.month AND o.breakdown = {0}.breakdown"
    listed = ("SELECT category FROM {0} o WHERE " + same_month.format("p")
              + " AND o.breakdown = 'country' AND o.category <> 'OTHER' AND o.persons > 0")
    return f"""
WITH monthly AS (
    {_chain_tops(ranking.TRANSIT, 'v.month')}
), annual AS (
    {_chain_tops(ranking.ANNUAL, '0')}
), cells AS (
    SELECT * FROM monthly
    UNION ALL
    SELECT * FROM annual
    UNION ALL  -- a year's total over the months a kind reports: where a partial year's fuller figure shows
    SELECT year, 0, breakdown, category, {_BIG.format('SUM(persons)')}, source_kind, BOOL_OR(preliminary)
    FROM monthly m WHERE breakdown = 'total'
      AND NOT EXISTS (SELECT 1 FROM annual a WHERE a.year = m.year AND a.source_kind = m.source_kind
                      AND a.breakdown = 'total')
    GROUP BY year, breakdown, category, source_kind
), snm AS (
    SELECT * FROM cells WHERE source_kind = '{snm}'
), rep AS (
    SELECT * FROM cells WHERE source_kind = '{republication}'
), covered AS (
    SELECT DISTINCT year, month, breakdown FROM rep
), pairs AS (
    SELECT s.year, s.month, s.breakdown, s.category, s.persons AS snm_persons, s.preliminary AS snm_preliminary,
           COALESCE(r.persons, 0) AS republished_persons
    FROM snm s
    JOIN covered c ON c.year = s.year AND c.month = s.month AND c.breakdown = s.breakdown
    LEFT JOIN rep r ON r.year = s.year AND r.month = s.month AND r.breakdown = s.breakdown
                   AND r.category = s.category
    WHERE r.persons IS NOT NULL OR s.persons <> 0
), compared AS (
    SELECT p.* FROM pairs p
    WHERE p.category <> 'OTHER' OR p.breakdown <> 'country' OR (
        NOT EXISTS ({listed.format('snm')} EXCEPT {listed.format('rep')})
        AND NOT EXISTS ({listed.format('rep')} EXCEPT {listed.format('snm')}))
)
SELECT p.year, p.month, p.breakdown, p.category, p.snm_persons, p.snm_preliminary, p.republished_persons,
       p.republished_persons - p.snm_persons AS difference,
       CASE WHEN p.republished_persons = p.snm_persons THEN NULL
            WHEN EXISTS (SELECT 1 FROM compared o WHERE {same_month.format('p')} AND o.category <> p.category
                         AND o.snm_persons = p.republished_persons AND o.republished_persons = p.snm_persons)
              THEN 'swapped'
            WHEN p.snm_preliminary THEN 'revision'
            ELSE 'disagreement' END AS kind
FROM compared p"""


SERIES_VIEWS = {
    "v_annual_series": _series(),
    "v_source_comparison": _comparison(),
}
