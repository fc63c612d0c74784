"""A national-scale programme on PostgreSQL, written in bare SQL.

Registering a million people through the services takes the better part of half an
hour; the dashboard bench needs the data, not the path to it. This module fills a
database of its own in a few minutes:

1. a fresh database, migrated by alembic and seeded by a small ``skillsprogram demo``
   run (the programme row, its configuration, the real regions of the country package,
   courses, providers, rail and budget accounts), exactly as the application makes them;
2. then, in ``INSERT ... SELECT generate_series`` statements, ``--applicants`` more
   people over two waves, with what the lifecycle writes for each one: the application
   and its status, eligibility findings for refusals, an audit event per move (the same
   ``action`` names the services write), vouchers and their ledger accounts, purchases,
   completions, ratings, survey answers, entitlements, payouts over the rails in their
   states, ledger transactions whose entries balance, and employment outcomes.

Proportions follow the programme: about 85 % pass the identity check, 90 % of those are
eligible, one in ten applicants is selected (100,000 per million, over two waves), 95 %
of vouchers buy a course, 90 % of buyers finish, most rate and answer the surveys.

    python bench/national_data.py --database bench_dashboard --applicants 1000000

Run with ``--check`` to print the row counts and the consistency checks only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: The ineligibility rules of the Indonesian scheme, with the reasons its rules give.
RULES = (
    ("core.min_age", "aged 17, below the minimum age of 18"),
    ("indonesia.not_in_education", "still in formal education"),
    ("indonesia.excluded_occupation", "excluded occupation: civil servant (PNS/ASN)"),
    ("indonesia.citizen", "not an Indonesian citizen (WNI)"),
)

OCCUPATIONS = (
    "unemployed",
    "job_seeker",
    "laid_off",
    "informal_worker",
    "micro_business",
    "farmer",
    "fisher",
    "driver",
    "factory_worker",
    "shop_assistant",
)

#: Payout states in the proportions a running programme shows (cumulative shares).
PAYOUT_STATES = (("paid", 0.92), ("failed", 0.94), ("unknown", 0.95), ("sending", 0.97), ("scheduled", 1.0))


def database_url(name: str) -> str:
    """The URL of the bench's own database on the server ``ADMIN_URL`` names."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def _admin() -> Iterator[Connection]:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def create_database(name: str) -> str:
    """Drop and create the database ``name``; its URL."""
    with _admin() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return database_url(name)


def drop_database(name: str) -> None:
    """Drop the database ``name``."""
    with _admin() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seed_programme(url: str, seed_applicants: int = 100) -> None:
    """Migrate and seed the database with a small demo run (programme, regions, courses,
    accounts), as the command line makes them."""
    with tempfile.TemporaryDirectory() as home:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from skillsprogram.cli.main import app; sys.argv[0] = 'skillsprogram'; app()",
                "demo",
                "--country",
                "indonesia",
                "--applicants",
                str(seed_applicants),
                "--seed",
                "1",
                "--database-url",
                url,
            ],
            check=True,
            env={**os.environ, "SKILLSPROGRAM_HOME": home},
            stdout=subprocess.DEVNULL,
        )


def _values(rows: tuple[tuple[str, ...], ...]) -> str:
    return ", ".join("(" + ", ".join(f"'{v}'" for v in row) + ")" for row in rows)


def _payout_state() -> str:
    cases = " ".join(f"WHEN r_pay < {share} THEN '{state}'" for state, share in PAYOUT_STATES)
    return f"CASE {cases} END"


def statements(applicants: int, seed: float) -> list[tuple[str, str]]:
    """The generator's SQL, in order, as (label, statement)."""
    selected = max(1, applicants // 10)
    occupations = "ARRAY[" + ", ".join(f"'{o}'" for o in OCCUPATIONS) + "]"
    # UUIDs that sort in insertion order (cheap B-tree appends): a prefix per table, then i.
    uid = "('{p}' || '-0000-7000-8000-' || lpad(to_hex({i}), 12, '0'))::uuid"

    def u(prefix: str, i: str = "g.i") -> str:
        return uid.format(p=prefix, i=i)

    return [
        ("settings", f"SELECT setseed({seed})"),
        (
            "context",
            """
            CREATE TEMP TABLE bench_ctx AS
            SELECT p.id AS pid, p.currency,
                   (SELECT id FROM wave WHERE programme_id = p.id AND number = 1) AS wave1,
                   (SELECT id FROM ledger_account WHERE programme_id = p.id AND kind = 'budget') AS budget,
                   (SELECT id FROM ledger_account WHERE programme_id = p.id AND kind = 'benefit_payable')
                       AS payable,
                   (SELECT array_agg(code ORDER BY code) FROM region WHERE level = 2) AS regencies,
                   (SELECT array_agg(code ORDER BY code) FROM region
                     WHERE level = 2 AND parent_code BETWEEN '31' AND '36') AS java,
                   (SELECT array_agg(id ORDER BY id) FROM course WHERE active) AS courses,
                   (SELECT array_agg(owner_id ORDER BY owner_id) FROM ledger_account
                     WHERE programme_id = p.id AND kind = 'rail') AS rails
            FROM programme p
            """,
        ),
        (
            "wave 2",
            """
            INSERT INTO wave (id, programme_id, number, status, opens_at, closes_at, seed, drawn_at)
            SELECT 'b0000000-0000-7000-8000-000000000002'::uuid, w.programme_id, 2, 'drawn',
                   w.opens_at + interval '92 days', w.closes_at + interval '92 days', 'wave-2-1',
                   w.drawn_at + interval '92 days'
            FROM wave w WHERE w.number = 1
            """,
        ),
        (
            "provider accounts",
            """
            INSERT INTO ledger_account (id, programme_id, kind, owner_id, currency, may_go_negative)
            SELECT gen_random_uuid(), c.pid, 'provider', t.id::text, c.currency, false
            FROM training_provider t, bench_ctx c
            ON CONFLICT DO NOTHING
            """,
        ),
        (
            "applicants (staging)",
            f"""
            CREATE TEMP TABLE bench_person AS
            WITH base AS (
                SELECT i, random() AS r_wave, random() AS r_region, random() AS r_java,
                       random() AS r_id, random() AS r_elig, random() AS r_sel, random() AS r_buy,
                       random() AS r_done, random() AS r_rate, random() AS r_survey,
                       random() AS r_job, random() AS r_attr, random() AS r_rule, random() AS r_time,
                       random() AS r_dis, random() AS r_soc, random() AS r_follow
                FROM generate_series(1, {applicants}) AS i
            ), decided AS (
                SELECT b.*,
                       CASE WHEN r_wave < 0.55 THEN 1 ELSE 2 END AS wave,
                       CASE WHEN r_java < 0.55
                            THEN c.java[1 + floor(r_region * array_length(c.java, 1))::int]
                            ELSE c.regencies[1 + floor(r_region * array_length(c.regencies, 1))::int]
                       END AS region,
                       r_id < 0.85 AS verified,
                       r_id < 0.85 AND r_elig < 0.90 AS eligible
                FROM base b, bench_ctx c
            )
            SELECT d.*,
                   d.eligible AND row_number() OVER (PARTITION BY d.eligible ORDER BY d.r_sel) <= {selected}
                       AS selected
            FROM decided d
            """,
        ),
        (
            "applicants (outcomes)",
            f"""
            CREATE TEMP TABLE bench_g AS
            SELECT p.i, p.wave, p.region, p.verified, p.eligible, p.selected,
                   p.selected AND p.r_buy < 0.95 AS bought,
                   p.selected AND p.r_buy < 0.95 AND p.r_done < 0.90 AS completed,
                   p.selected AND p.r_buy < 0.95 AND p.r_done < 0.90 AND p.r_rate < 0.85 AS rated,
                   p.selected AND p.r_buy < 0.95 AND p.r_done < 0.90 AND p.r_rate < 0.85
                       AND p.r_survey < 0.80 AS surveyed,
                   p.r_job, p.r_attr, p.r_rule, p.r_time, p.r_dis, p.r_soc,
                   p.selected AND p.r_buy < 0.95 AND p.r_done < 0.90 AND p.r_follow < 0.7 AS followed,
                   w.opens_at + (p.r_time * interval '6 days') AS registered_at,
                   w.closes_at AS screened_at, w.drawn_at, w.id AS wave_id,
                   c.courses[1 + (p.i % array_length(c.courses, 1))] AS course_id,
                   c.rails[1 + (p.i % array_length(c.rails, 1))] AS rail,
                   ({occupations})[1 + (p.i % {len(OCCUPATIONS)})] AS occupation
            FROM bench_person p JOIN wave w ON w.number = p.wave CROSS JOIN bench_ctx c
            """,
        ),
        ("drop staging", "DROP TABLE bench_person"),
        ("index staging", "CREATE INDEX ON bench_g (i)"),
        (
            "person",
            f"""
            INSERT INTO person (id, national_id_hash, national_id_enc, full_name, birth_date, sex,
                                phone_hash, phone_enc, household_id, region_code, created_at)
            SELECT {u("b1000000")}, encode(sha256(('nid' || g.i)::bytea), 'hex'), 'v1:bench',
                   'Applicant ' || g.i, date '1975-01-01' + (g.i % 12000),
                   CASE WHEN g.i % 2 = 0 THEN 'F' ELSE 'M' END,
                   encode(sha256(('phone' || g.i)::bytea), 'hex'), 'v1:bench', NULL, g.region,
                   g.registered_at
            FROM bench_g g ORDER BY g.i
            """,
        ),
        (
            "application",
            f"""
            INSERT INTO application (id, programme_id, person_id, wave_id, status, region_code,
                                     occupation, in_education, attributes, registered_at,
                                     status_changed_at, consent_version, consented_at)
            SELECT {u("b2000000")}, c.pid, {u("b1000000")}, g.wave_id,
                   CASE WHEN NOT g.verified THEN 'identity_rejected'
                        WHEN NOT g.eligible THEN 'ineligible'
                        WHEN NOT g.selected THEN 'waitlisted'
                        WHEN NOT g.bought THEN 'forfeited'
                        WHEN g.completed THEN 'training_completed'
                        ELSE 'training' END,
                   g.region, g.occupation, false,
                   json_build_object('citizenship', 'ID', 'never_trained', g.r_attr < 0.6,
                                     'disability', g.r_dis < 0.04,
                                     'social_assistance', g.r_soc < 0.3),
                   g.registered_at,
                   CASE WHEN NOT g.eligible THEN g.screened_at
                        WHEN NOT g.selected THEN g.drawn_at
                        WHEN NOT g.bought THEN g.drawn_at + interval '30 days'
                        WHEN g.completed THEN g.drawn_at + interval '40 days'
                        ELSE g.drawn_at + interval '5 days' END,
                   'prakerja-2023-01', g.registered_at
            FROM bench_g g, bench_ctx c ORDER BY g.i
            """,
        ),
        (
            "eligibility_finding",
            f"""
            INSERT INTO eligibility_finding (application_id, rule, passed, reason, screened_at)
            SELECT {u("b2000000")}, r.rule, false, r.reason, g.screened_at
            FROM bench_g g
            JOIN (VALUES {_values(tuple((str(n), rule, reason) for n, (rule, reason) in enumerate(RULES)))})
                 AS r(n, rule, reason)
              ON r.n::int = floor(g.r_rule * {len(RULES)})::int
            WHERE g.verified AND NOT g.eligible
            ORDER BY g.i
            """,
        ),
        (
            "voucher ledger accounts",
            f"""
            INSERT INTO ledger_account (id, programme_id, kind, owner_id, currency, may_go_negative)
            SELECT {u("b3100000")}, c.pid, 'voucher', {u("b3000000")}::text, c.currency, false
            FROM bench_g g, bench_ctx c WHERE g.selected
            UNION ALL
            SELECT {u("b3200000")}, c.pid, 'voucher_hold', {u("b3000000")}::text, c.currency, false
            FROM bench_g g, bench_ctx c WHERE g.bought
            """,
        ),
        (
            "voucher",
            f"""
            INSERT INTO voucher (id, application_id, account_id, status, issued_at,
                                 first_purchase_deadline, expires_at)
            SELECT {u("b3000000")}, {u("b2000000")}, {u("b3100000")},
                   CASE WHEN g.bought THEN 'active' ELSE 'forfeited' END, g.drawn_at,
                   g.drawn_at + interval '30 days', g.drawn_at + interval '300 days'
            FROM bench_g g WHERE g.selected ORDER BY g.i
            """,
        ),
        (
            "payment_account",
            f"""
            INSERT INTO payment_account (id, person_id, rail, number_hash, number_enc, holder_name,
                                         status, verified_at, created_at)
            SELECT {u("b4000000")}, {u("b1000000")}, g.rail, encode(sha256(('acct' || g.i)::bytea), 'hex'),
                   'v1:bench', 'Applicant ' || g.i, 'verified', g.drawn_at, g.drawn_at
            FROM bench_g g WHERE g.selected ORDER BY g.i
            """,
        ),
        (
            "survey_response",
            f"""
            INSERT INTO survey_response (id, application_id, survey, answers, submitted_at)
            SELECT {u("b7000000")}, {u("b2000000")}, 'evaluation',
                   '{{"course_useful": "yes", "would_recommend": "yes", "applied_skills": "yes"}}'::json,
                   g.drawn_at + interval '41 days'
            FROM bench_g g WHERE g.surveyed
            UNION ALL
            SELECT {u("b7100000")}, {u("b2000000")}, 'employment',
                   json_build_object('employment_status', CASE WHEN g.r_job < 0.55 THEN 'yes' ELSE 'no' END,
                                     'income_change', 'yes'),
                   g.drawn_at + interval '41 days'
            FROM bench_g g WHERE g.surveyed
            """,
        ),
        (
            "entitlement",
            f"""
            CREATE TEMP TABLE bench_ent AS
            SELECT g.i, g.i * 4 + k.n AS e, k.benefit, k.period, k.amount, g.rail, g.drawn_at,
                   random() AS r_pay
            FROM bench_g g
            JOIN (VALUES (0, 'incentive', 1, 600000), (1, 'survey', 1, 50000), (2, 'survey', 2, 50000))
                 AS k(n, benefit, period, amount)
              ON (k.n = 0 AND g.rated) OR (k.n > 0 AND g.surveyed);
            INSERT INTO entitlement (id, programme_id, application_id, benefit, period, amount, currency,
                                     status, reason, earned_at, due_at)
            SELECT {u("b8000000", "x.e")}, c.pid, {u("b2000000", "x.i")}, x.benefit, x.period, x.amount,
                   c.currency, 'payout_created', NULL, x.drawn_at + interval '41 days',
                   x.drawn_at + interval '41 days'
            FROM bench_ent x, bench_ctx c ORDER BY x.e
            """,
        ),
        (
            "payout",
            f"""
            INSERT INTO payout (id, programme_id, entitlement_id, payment_account_id, rail, amount,
                                currency, idempotency_key, status, attempts, created_at, updated_at,
                                next_attempt_at)
            SELECT {u("b8100000", "x.e")}, c.pid, {u("b8000000", "x.e")}, {u("b4000000", "x.i")}, x.rail,
                   x.amount, c.currency,
                   'bench:' || {u("b2000000", "x.i")}::text || ':' || x.benefit || ':' || x.period,
                   {_payout_state()}, CASE WHEN r_pay < 0.97 THEN 1 ELSE 0 END,
                   x.drawn_at + interval '41 days', x.drawn_at + interval '60 days',
                   x.drawn_at + interval '60 days'
            FROM bench_ent x, bench_ctx c ORDER BY x.e
            """,
        ),
        (
            "ledger_transaction",
            f"""
            CREATE TEMP TABLE bench_tx AS
            SELECT {u("b6000000")} AS id, 'voucher_issue' AS kind,
                   'voucher:' || {u("b3000000")}::text AS reference, g.drawn_at AS at,
                   c.budget AS debit, {u("b3100000")} AS credit, 3500000::bigint AS amount
            FROM bench_g g, bench_ctx c WHERE g.selected
            UNION ALL
            SELECT {u("b6100000")}, 'course_reserve', 'purchase:' || {u("b5000000")}::text,
                   g.drawn_at + interval '3 days', {u("b3100000")}, {u("b3200000")}, co.price
            FROM bench_g g JOIN course co ON co.id = g.course_id WHERE g.bought
            UNION ALL
            SELECT {u("b6200000")}, 'course_capture', 'purchase:' || {u("b5000000")}::text,
                   g.drawn_at + interval '3 days', {u("b3200000")}, pa.id, co.price
            FROM bench_g g JOIN course co ON co.id = g.course_id
            JOIN ledger_account pa ON pa.kind = 'provider' AND pa.owner_id = co.provider_id::text
            WHERE g.bought
            UNION ALL
            SELECT {u("b6300000")}, 'voucher_forfeited', 'voucher:' || {u("b3000000")}::text,
                   g.drawn_at + interval '30 days', {u("b3100000")}, c.budget, 3500000
            FROM bench_g g, bench_ctx c WHERE g.selected AND NOT g.bought
            UNION ALL
            SELECT {u("b6400000", "x.e")}, 'benefit_earned', 'entitlement:' || {u("b8000000", "x.e")}::text,
                   x.drawn_at + interval '41 days', c.budget, c.payable, x.amount
            FROM bench_ent x, bench_ctx c
            UNION ALL
            SELECT {u("b6500000", "x.e")}, 'payout', 'payout:' || {u("b8100000", "x.e")}::text,
                   x.drawn_at + interval '60 days', c.payable, ra.id, x.amount
            FROM bench_ent x CROSS JOIN bench_ctx c
            JOIN ledger_account ra ON ra.kind = 'rail' AND ra.owner_id = x.rail
            WHERE x.r_pay < {PAYOUT_STATES[0][1]};
            INSERT INTO ledger_transaction (id, programme_id, kind, reference, created_at)
            SELECT t.id, c.pid, t.kind, t.reference, t.at FROM bench_tx t, bench_ctx c ORDER BY t.id;
            INSERT INTO ledger_entry (transaction_id, account_id, amount, currency)
            SELECT t.id, x.account, x.amount, c.currency
            FROM bench_tx t CROSS JOIN bench_ctx c
            CROSS JOIN LATERAL (VALUES (t.debit, -t.amount), (t.credit, t.amount)) AS x(account, amount)
            ORDER BY t.id
            """,
        ),
        (
            "purchase",
            f"""
            INSERT INTO purchase (id, application_id, voucher_id, course_id, price, currency,
                                  voucher_code, redeem_code, status, purchased_at, redeemed_at,
                                  ledger_transaction_id)
            SELECT {u("b5000000")}, {u("b2000000")}, {u("b3000000")}, g.course_id, co.price,
                   co.currency, 'V' || lpad(to_hex(g.i), 11, '0'), 'R' || lpad(to_hex(g.i), 11, '0'),
                   CASE WHEN g.completed THEN 'completed' ELSE 'redeemed' END,
                   g.drawn_at + interval '3 days', g.drawn_at + interval '3 days', {u("b6100000")}
            FROM bench_g g JOIN course co ON co.id = g.course_id
            WHERE g.bought ORDER BY g.i
            """,
        ),
        (
            "completion and rating",
            f"""
            INSERT INTO completion (purchase_id, completed_at, certificate_number, score)
            SELECT {u("b5000000")}, g.drawn_at + interval '40 days', 'CERT-B' || lpad(to_hex(g.i), 11, '0'),
                   60 + g.i % 41
            FROM bench_g g WHERE g.completed ORDER BY g.i;
            INSERT INTO rating (purchase_id, stars, comment, rated_at)
            SELECT {u("b5000000")}, 3 + g.i % 3, NULL, g.drawn_at + interval '40 days'
            FROM bench_g g WHERE g.rated ORDER BY g.i
            """,
        ),
        (
            "employment_outcome",
            f"""
            INSERT INTO employment_outcome (id, application_id, source, status, sector, reported_at)
            SELECT {u("b9000000")}, {u("b2000000")}, 'follow_up_survey',
                   CASE WHEN g.r_job < 0.40 THEN 'employed' WHEN g.r_job < 0.55 THEN 'self_employed'
                        WHEN g.r_job < 0.90 THEN 'not_employed' ELSE 'further_training' END,
                   NULL, g.drawn_at + interval '90 days'
            FROM bench_g g WHERE g.followed ORDER BY g.i
            """,
        ),
        ("audit_event", _audit_events(u)),
        (
            "wave quotas",
            """
            INSERT INTO wave_quota (wave_id, region_code, quota, selected)
            SELECT a.wave_id, a.region_code, count(*), count(*)
            FROM application a JOIN voucher v ON v.application_id = a.id
            WHERE a.wave_id IS NOT NULL
            GROUP BY a.wave_id, a.region_code
            ON CONFLICT (wave_id, region_code)
            DO UPDATE SET quota = EXCLUDED.quota, selected = EXCLUDED.selected
            """,
        ),
        ("drop temporaries", "DROP TABLE bench_g, bench_ent, bench_tx, bench_ctx"),
    ]


def _audit_events(u: Callable[..., str]) -> str:
    """Every application's moves and the second wave's, with the services' ``action``
    names, in time order."""
    app, person = u("b2000000"), u("b1000000")
    ident = f"{app}::text"
    pj = f"'person_id', {person}::text"
    moves = [
        (
            "g.registered_at",
            "'registered'",
            "NULL",
            "'registered'",
            f"json_build_object({pj}, 'wave', g.wave)",
            "true",
        ),
        (
            "g.screened_at",
            "CASE WHEN g.verified THEN 'identity_verified' ELSE 'identity_rejected' END",
            "'registered'",
            "CASE WHEN g.verified THEN 'identity_verified' ELSE 'identity_rejected' END",
            f"json_build_object({pj}, 'method', 'sandbox-registry')",
            "true",
        ),
        (
            "g.screened_at",
            "CASE WHEN g.eligible THEN 'screened_eligible' ELSE 'screened_ineligible' END",
            "'identity_verified'",
            "CASE WHEN g.eligible THEN 'eligible' ELSE 'ineligible' END",
            f"json_build_object({pj})",
            "g.verified",
        ),
        (
            "g.drawn_at",
            "CASE WHEN g.selected THEN 'selected' ELSE 'waitlisted' END",
            "'eligible'",
            "CASE WHEN g.selected THEN 'selected' ELSE 'waitlisted' END",
            f"json_build_object({pj}, 'wave', g.wave)",
            "g.eligible",
        ),
        (
            "g.drawn_at",
            "'voucher_issued'",
            "'selected'",
            "'voucher_issued'",
            f"json_build_object({pj}, 'voucher_id', {u('b3000000')}::text, 'amount', 3500000)",
            "g.selected",
        ),
        (
            "g.drawn_at + interval '30 days'",
            "'voucher_forfeited'",
            "'voucher_issued'",
            "'forfeited'",
            f"json_build_object({pj}, 'voucher_id', {u('b3000000')}::text)",
            "g.selected AND NOT g.bought",
        ),
        (
            "g.drawn_at + interval '3 days'",
            "'course_purchased'",
            "'voucher_issued'",
            "'training'",
            f"json_build_object({pj}, 'purchase_id', {u('b5000000')}::text, 'course_id', g.course_id::text)",
            "g.bought",
        ),
        (
            "g.drawn_at + interval '40 days'",
            "'course_completed'",
            "'training'",
            "'training_completed'",
            f"json_build_object({pj}, 'purchase_id', {u('b5000000')}::text)",
            "g.completed",
        ),
        (
            "g.drawn_at + interval '40 days'",
            "'course_rated'",
            "NULL",
            "NULL",
            f"json_build_object({pj}, 'purchase_id', {u('b5000000')}::text, 'stars', 3 + g.i % 3)",
            "g.rated",
        ),
        (
            "g.drawn_at + interval '41 days'",
            "'survey_answered'",
            "NULL",
            "NULL",
            f"json_build_object({pj}, 'survey', 'evaluation')",
            "g.surveyed",
        ),
        (
            "g.drawn_at + interval '90 days'",
            "'employment_reported'",
            "'training_completed'",
            "'training_completed'",
            f"json_build_object({pj}, 'source', 'follow_up_survey')",
            "g.followed",
        ),
    ]
    parts = [
        f"SELECT {at}, c.pid, 'application', {ident}, {action}, {frm}, {to}, {data} "
        f"FROM bench_g g, bench_ctx c WHERE {where}"
        for at, action, frm, to, data, where in moves
    ]
    parts.append(
        f"SELECT x.drawn_at + interval '41 days', c.pid, 'entitlement', {u('b8000000', 'x.e')}::text, "
        f"'entitlement_earned', NULL, 'earned', json_build_object('application_id', "
        f"{u('b2000000', 'x.i')}::text, 'benefit', x.benefit, 'period', x.period, 'amount', x.amount) "
        "FROM bench_ent x, bench_ctx c"
    )
    parts.append(
        f"SELECT x.drawn_at + interval '41 days', c.pid, 'payout', {u('b8100000', 'x.e')}::text, "
        "'payout_scheduled', NULL, 'scheduled', json_build_object('rail', x.rail, 'amount', x.amount) "
        "FROM bench_ent x, bench_ctx c"
    )
    parts.append(
        f"SELECT x.drawn_at + interval '60 days', c.pid, 'payout', {u('b8100000', 'x.e')}::text, "
        f"'payout_' || ({_payout_state()}), 'sending', {_payout_state()}, "
        "json_build_object('rail', x.rail, 'amount', x.amount, 'attempts', 1) "
        f"FROM bench_ent x, bench_ctx c WHERE x.r_pay < {PAYOUT_STATES[2][1]}"
    )
    parts.append(
        "SELECT at, c.pid, 'wave', w.id::text, action, frm, tos, data FROM wave w CROSS JOIN bench_ctx c "
        "CROSS JOIN LATERAL (VALUES "
        "(w.opens_at, 'wave_opened', NULL, 'open', json_build_object('number', 2)), "
        "(w.closes_at, 'wave_closed', 'open', 'closed', '{}'::json), "
        "(w.drawn_at, 'wave_drawn', 'closed', 'drawn', json_build_object('seed', w.seed))) "
        "AS m(at, action, frm, tos, data) WHERE w.number = 2"
    )
    union = "\nUNION ALL\n".join(parts)
    return (
        "INSERT INTO audit_event (occurred_at, programme_id, actor, entity, entity_id, action, "
        "from_status, to_status, data)\n"
        "SELECT at, pid, 'bench', entity, entity_id, action, from_status, to_status, data "
        f"FROM (\n{union}\n) AS e(at, pid, entity, entity_id, action, from_status, to_status, data) "
        "ORDER BY at, entity_id"
    )


def generate(url: str, applicants: int, seed: float = 0.42, *, quiet: bool = False) -> dict[str, float]:
    """Fill the seeded database at ``url`` with ``applicants`` more; seconds per step."""
    timings: dict[str, float] = {}
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            cursor = conn.connection.cursor()  # no parameters: '%' is the modulo operator
            for label, sql in statements(applicants, seed):
                started = time.perf_counter()
                for statement in sql.split(";\n"):
                    if statement.strip():
                        cursor.execute(statement)
                timings[label] = time.perf_counter() - started
                if not quiet:
                    print(f"  {label:<26} {timings[label]:7.1f} s", flush=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            started = time.perf_counter()
            conn.exec_driver_sql("VACUUM ANALYZE")
            timings["vacuum analyze"] = time.perf_counter() - started
    finally:
        engine.dispose()
    return timings


def add_registrations(url: str, applicants: int) -> None:
    """Register ``applicants`` more people in the last wave (person, application and the
    ``registered`` event each), as new events arrive while a programme runs."""
    uid = "('{p}' || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid"
    app, person = uid.format(p="b2f00000"), uid.format(p="b1f00000")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cursor = conn.connection.cursor()
            start = int(
                conn.execute(
                    text("SELECT count(*) FROM application WHERE id::text LIKE 'b2f00000%'")
                ).scalar_one()
            )
            batch = f"generate_series({start + 1}, {start + applicants}) AS i"
            cursor.execute(
                "CREATE TEMP TABLE bench_new AS SELECT i, r.code AS region, w.id AS wave_id, w.number, "
                "w.closes_at AS at, p.id AS pid "
                f"FROM {batch} CROSS JOIN LATERAL (SELECT code FROM region WHERE level = 2 "
                "ORDER BY code OFFSET (i % 150) LIMIT 1) AS r, "
                "(SELECT * FROM wave ORDER BY number DESC LIMIT 1) AS w, programme p"
            )
            cursor.execute(
                "INSERT INTO person (id, national_id_hash, national_id_enc, full_name, birth_date, sex, "
                "region_code, created_at) "
                f"SELECT {person}, encode(sha256(('new-nid' || i)::bytea), 'hex'), 'v1:bench', "
                "'Applicant N' || i, date '1990-01-01', 'F', region, at FROM bench_new"
            )
            cursor.execute(
                "INSERT INTO application (id, programme_id, person_id, wave_id, status, region_code, "
                "in_education, attributes, registered_at, status_changed_at) "
                f"SELECT {app}, pid, {person}, wave_id, 'registered', region, false, "
                "'{\"never_trained\": true}'::json, at, at FROM bench_new"
            )
            cursor.execute(
                "INSERT INTO audit_event (occurred_at, programme_id, actor, entity, entity_id, action, "
                "from_status, to_status, data) "
                f"SELECT at, pid, 'bench', 'application', {app}::text, 'registered', NULL, 'registered', "
                f"json_build_object('person_id', {person}::text, 'wave', number) FROM bench_new ORDER BY i"
            )
            cursor.execute("DROP TABLE bench_new")
    finally:
        engine.dispose()


#: Consistency the figures rely on, each a query that must return zero.
CHECKS = {
    "unbalanced ledger transactions": (
        "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entry GROUP BY transaction_id "
        "HAVING sum(amount) <> 0) AS t"
    ),
    "ledger total not zero": "SELECT abs(coalesce(sum(amount), 0)) FROM ledger_entry",
    "negative voucher balances": (
        "SELECT count(*) FROM (SELECT e.account_id FROM ledger_entry e JOIN ledger_account a ON "
        "a.id = e.account_id WHERE a.kind IN ('voucher', 'voucher_hold') GROUP BY e.account_id "
        "HAVING sum(e.amount) < 0) AS t"
    ),
    "applications without a registration event": (
        "SELECT count(*) FROM application a WHERE NOT EXISTS (SELECT 1 FROM audit_event e "
        "WHERE e.entity = 'application' AND e.entity_id = a.id::text AND e.action = 'registered')"
    ),
    "vouchers without selection": (
        "SELECT count(*) FROM voucher v JOIN application a ON a.id = v.application_id "
        "WHERE a.status IN ('registered', 'identity_rejected', 'ineligible', 'waitlisted')"
    ),
}

COUNTED = (
    "person",
    "application",
    "eligibility_finding",
    "audit_event",
    "voucher",
    "purchase",
    "completion",
    "rating",
    "survey_response",
    "entitlement",
    "payout",
    "ledger_transaction",
    "ledger_entry",
    "employment_outcome",
)


def check(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """(row counts per table, failures per consistency check) of the database at ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            counts = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in COUNTED}
            failures = {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in CHECKS.items()}
    finally:
        engine.dispose()
    return counts, failures


def build(name: str, applicants: int, *, quiet: bool = False) -> tuple[str, float]:
    """Create, seed and fill the database ``name``; its URL and the wall seconds taken."""
    started = time.perf_counter()
    url = create_database(name)
    fill(url, applicants, quiet=quiet)
    return url, time.perf_counter() - started


def fill(url: str, applicants: int, *, quiet: bool = True) -> None:
    """Seed the empty database at ``url`` with a demo programme, then add ``applicants``."""
    started = time.perf_counter()
    seed_programme(url)
    if not quiet:
        print(f"  {'seed (demo, alembic)':<26} {time.perf_counter() - started:7.1f} s", flush=True)
    generate(url, applicants, quiet=quiet)


def argument_parser(description: str | None) -> argparse.ArgumentParser:
    """A command line with the options every national-scale bench takes: ``--database``
    (the bench's own database) and ``--applicants``."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="bench_dashboard")
    parser.add_argument("--applicants", type=int, default=1_000_000)
    return parser


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--check", action="store_true", help="only count rows and check consistency")
    args = parser.parse_args()
    url = database_url(args.database)
    if not args.check:
        url, seconds = build(args.database, args.applicants)
        print(f"Loaded {args.applicants:,} applicants into {args.database} in {seconds:.0f} s.")
    counts, failures = check(url)
    for table, count in counts.items():
        print(f"  {table:<22} {count:>12,}")
    for name, failed in failures.items():
        print(f"  {'OK  ' if failed == 0 else 'FAIL'} {name}: {failed}")
    sys.exit(1 if any(failures.values()) else 0)


if __name__ == "__main__":
    main()
