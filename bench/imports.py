"""Benchmark of the pipeline CSV import (not a test).

    .venv/bin/python bench/imports.py [--rows 150000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Generates a ~20 MB opportunities CSV, then through the HTTP route of a running ``dealbench serve``:
on PostgreSQL (a scratch database) imports it twice (all inserts, then all updates: every amount and
next step changes) and, in the same run, times ``\\copy`` of the same rows into an unlogged table with
``psql``; on SQLite imports it once. Prints rows/s and the server's peak RSS growth (VmRSS of
/proc/<pid>/status, sampled every 10 ms). Targets: inserts <= 3x COPY, updates <= 6x COPY, RSS growth
<= 150 MB, SQLite >= 50k rows/s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, bootstrap, free_port

STAGES = ["Qualify", "Develop", "Proposal", "Negotiate", "Closed Won", "Closed Lost"]
HEADER = (
    "Opportunity ID,Opportunity Name,Amount,Close Date,Stage,Opportunity Owner Email,"
    "Account ID,Account Name,Account URL/Website,Opportunity Type,Next Step\n"
)


def generate(path: Path, rows: int, version: int) -> None:
    rnd = random.Random(42)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        for i in range(rows):
            account = rnd.randrange(20_000)
            amount = rnd.randrange(1_000, 900_000) + version
            fh.write(
                f"O{i:07d},Opportunity {i},{amount}.00,{rnd.randrange(1, 13):02d}/{rnd.randrange(1, 29):02d}/2026,"
                f"{rnd.choice(STAGES)},r{rnd.randrange(20)}@bench.example,A{account:05d},Account {account},"
                f"https://a{account}.example,New Business,v{version}\n"
            )


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Server:
    def __init__(self, database_url: str, workdir: Path) -> None:
        self.env = {
            **os.environ,
            "DEALBENCH_DATABASE_URL": database_url,
            "DEALBENCH_SECRET_KEY": "bench",
            "DEALBENCH_VAR_DIR": str(workdir / "var"),
            "DEALBENCH_RATE_LIMIT_PER_MINUTE": "1000000",
            "DEALBENCH_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "warning"),
        }
        self.workdir = workdir
        self.port = free_port()
        self.token = bootstrap(self.env, admin_email="a@bench.example", cwd=workdir)
        self.proc = subprocess.Popen(
            [str(BIN / "dealbench"), "serve", "--port", str(self.port)],
            env=self.env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BENCH_LOG_LEVEL") else subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)

    def upload(self, path: Path) -> tuple[float, int, dict[str, object]]:
        """(seconds, peak RSS growth in kB, JSend data) of one upload."""
        base = rss_kb(self.proc.pid)
        peak = [base]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(self.proc.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        with path.open("rb") as fh:
            r = httpx.post(
                f"http://127.0.0.1:{self.port}/api/v1/admin/opportunities/upload",
                files={"file": (path.name, fh, "text/csv")},
                headers={"Authorization": self.token},
                timeout=600,
            )
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        r.raise_for_status()
        return elapsed, peak[0] - base, r.json()["data"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def psql_copy(admin_url: str, db: str, path: Path) -> float:
    url = admin_url.rsplit("/", 1)[0] + "/" + db
    ddl = (
        "CREATE UNLOGGED TABLE bench_copy (opp_id text, name text, amount text, close_date text, stage text, "
        "owner_email text, account_id text, account_name text, website text, opp_type text, next_step text)"
    )
    subprocess.run(["psql", url, "-qc", ddl], check=True)
    started = time.perf_counter()
    subprocess.run(
        ["psql", url, "-qc", f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)"], check=True
    )
    return time.perf_counter() - started


FLOOR_MERGE = """
INSERT INTO deals (organization_id, created_at, updated_at, uuid, created_by_user_id, deleted, closed, won,
                   vendor_entity_id, name, amount, close_date, stage, company_vendor_entity_id, account_name,
                   account_website, opportunity_type, next_step)
SELECT (SELECT id FROM organizations WHERE slug = 'bench'), now(), now(), gen_random_uuid(),
       (SELECT id FROM users WHERE email = 'a@bench.example'), false, stage LIKE 'Closed%%', stage = 'Closed Won',
       opp_id, name, amount, close_date, stage, account_id, account_name, website, opp_type, next_step
FROM bench_floor ORDER BY opp_id
ON CONFLICT (organization_id, vendor_entity_id) WHERE vendor_entity_id IS NOT NULL DO UPDATE SET
  %s, updated_at = excluded.updated_at
WHERE %s
"""
FLOOR_SET = [
    "name", "amount", "close_date", "stage", "company_vendor_entity_id", "account_name", "account_website",
    "opportunity_type", "next_step", "closed", "won",
]  # fmt: skip


def database_floor(url: str, path: Path) -> float:
    """Seconds of the database's own share of an import: one merge of the file's rows, already typed.

    The rows are ``\\copy``-ed into an unlogged table with the column types of the import's staging
    table (not timed), then merged into ``deals`` with the statement the engine runs: indexes,
    foreign keys and WAL included, no Python. The merge is rolled back and ``deals`` vacuumed, so
    the measured import that follows starts from the same state.
    """
    ddl = (
        "CREATE UNLOGGED TABLE bench_floor (opp_id text, name text, amount numeric(18,2), close_date timestamptz, "
        "stage text, owner_email text, account_id text, account_name text, website text, opp_type text, "
        "next_step text)"
    )
    subprocess.run(["psql", url, "-qc", ddl], check=True)
    subprocess.run(
        ["psql", url, "-qc", "SET DateStyle = 'ISO, MDY'",
         "-c", f"\\copy bench_floor FROM '{path}' WITH (FORMAT csv, HEADER true)"],
        check=True,
    )  # fmt: skip
    merge = FLOOR_MERGE % (
        ", ".join(f"{c} = excluded.{c}" for c in FLOOR_SET),
        " OR ".join(f"deals.{c} IS DISTINCT FROM excluded.{c}" for c in FLOOR_SET),
    )
    script = (
        f"BEGIN;\n\\timing on\n{merge};\n\\timing off\nROLLBACK;\nDROP TABLE bench_floor;\nVACUUM deals;\n"
    )
    out = subprocess.run(["psql", url, "-q"], input=script, capture_output=True, text=True, check=True).stdout
    return float(out.split("Time: ", 1)[1].split(" ms", 1)[0]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dealbench-bench-"))
    try:
        first, second = work / "opportunities.csv", work / "opportunities-updated.csv"
        generate(first, args.rows, 0)
        generate(second, args.rows, 1)
        size = first.stat().st_size
        print(f"file: {args.rows} rows, {size / 1e6:.1f} MB")
        results = []

        db = f"dealbench_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", args.pg, "-qc", f'CREATE DATABASE "{db}"'], check=True)
        try:
            (work / "pg").mkdir()
            url = args.pg.rsplit("/", 1)[0] + "/" + db
            server = Server(url, work / "pg")
            try:
                f_ins = database_floor(url, first)
                t_ins, rss_ins, d_ins = server.upload(first)
                f_upd = database_floor(url, second)
                t_upd, rss_upd, d_upd = server.upload(second)
            finally:
                server.stop()
            t_copy = psql_copy(args.pg, db, first)
        finally:
            subprocess.run(
                ["psql", args.pg, "-qc", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'], check=True
            )
        assert d_ins["total_imported_rows"] == args.rows, d_ins
        assert d_upd["total_imported_rows"] == args.rows, d_upd
        results.append(("PostgreSQL inserts", t_ins, rss_ins, f"{t_ins / t_copy:.1f}x COPY (target <= 3x)"))
        results.append(("PostgreSQL updates", t_upd, rss_upd, f"{t_upd / t_copy:.1f}x COPY (target <= 6x)"))
        results.append(("psql \\copy (unlogged)", t_copy, 0, ""))
        results.append(
            (
                "DB floor: merge inserts",
                f_ins,
                0,
                f"{f_ins / t_copy:.1f}x COPY; import = {t_ins / f_ins:.1f}x",
            )
        )
        results.append(
            (
                "DB floor: merge updates",
                f_upd,
                0,
                f"{f_upd / t_copy:.1f}x COPY; import = {t_upd / f_upd:.1f}x",
            )
        )

        (work / "sqlite").mkdir()
        server = Server(f"sqlite:///{work / 'sqlite' / 'bench.db'}", work / "sqlite")
        try:
            t_lite, rss_lite, d_lite = server.upload(first)
        finally:
            server.stop()
        assert d_lite["total_imported_rows"] == args.rows, d_lite
        results.append(("SQLite inserts", t_lite, rss_lite, "target >= 50k rows/s"))

        print(f"{'run':26} {'seconds':>8} {'rows/s':>9} {'peak RSS growth':>16}  vs target")
        for name, secs, rss, note in results:
            print(f"{name:26} {secs:8.2f} {args.rows / secs:9.0f} {rss / 1024:13.1f} MB  {note}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
