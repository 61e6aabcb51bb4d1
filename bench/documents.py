"""Benchmark of document uploads and downloads (not a test).

    .venv/bin/python bench/documents.py [--mb 500] [--concurrent 100] [--workers 2]

Starts ``dealbench serve`` on a scratch PostgreSQL database with local file storage, then:

1. writes a random file of ``--mb`` MB, and times ``cat`` of it to a file on the same disk;
2. uploads it (curl, streamed multipart) and downloads it back (curl), checking the SHA-256;
3. uploads ``--concurrent`` different 1 MB files at once (httpx, asyncio) and counts errors.

Prints the upload wall time next to ``cat``'s (target: upload <= 2x cat), the server's peak RSS
growth during the large upload and the download (VmRSS of the server and its workers, sampled every
50 ms; target <= 64 MB), and the error count of the concurrent uploads (target 0). Everything it
wrote is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PeakRss, bootstrap, scratch_pg_database, start_dealbench, start_uvicorn


async def raw_app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
    """The reference: a bare ASGI app that receives a body and drops it (``?hash=1``: after
    hashing it with SHA-256 and MD5 in the event loop), with no framework, parsing or storage."""
    if scope["type"] != "http":
        return
    hashing = b"hash=1" in scope.get("query_string", b"")
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    size = 0
    while True:
        message = await receive()  # type: ignore[operator]
        body = message.get("body", b"")
        size += len(body)
        if hashing:
            sha.update(body)
            md5.update(body)
        if not message.get("more_body"):
            break
    out = f"{size} {sha.hexdigest() if hashing else ''}".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(out)).encode())],
        }
    )  # type: ignore[operator]
    await send({"type": "http.response.body", "body": out})  # type: ignore[operator]


def write_random(path: Path, mb: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with path.open("wb") as fh:
        for i in range(mb):
            chunk = block[i % 7 :] + block[: i % 7]  # distinct-ish blocks, cheap to make
            digest.update(chunk)
            fh.write(chunk)
    return digest.hexdigest()


def timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - started, out


async def concurrent_uploads(
    base: str, token: str, project_id: int, count: int
) -> tuple[int, float, list[str]]:
    errors: list[str] = []
    payloads = [os.urandom(1024 * 1024) for _ in range(count)]
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": token}, timeout=300, limits=limits
    ) as client:

        async def one(i: int) -> None:
            try:
                r = await client.post(
                    f"/v1/projects/{project_id}/documents", files={"file": (f"c{i}.bin", payloads[i])}
                )
                if r.status_code != 201:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                elif r.json()["sha256"] != hashlib.sha256(payloads[i]).hexdigest():
                    errors.append("hash mismatch")
            except Exception as exc:  # every failure counts
                errors.append(repr(exc))

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return len(errors), time.perf_counter() - started, errors[:5]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dealbench-bench-docs-", dir=os.environ.get("BENCH_DIR", "/tmp")))
    try:
        big = work / "big.bin"
        print(f"writing a {args.mb} MB random file ...", flush=True)
        sha = write_random(big, args.mb)
        subprocess.run(["sync"], check=False)
        cat_s, _ = timed(["sh", "-c", f"cat {big} > {work / 'cat-copy.bin'}"])
        cat_sync_s, _ = timed(
            ["sh", "-c", f"cat {big} > {work / 'cat-copy2.bin'} && sync {work / 'cat-copy2.bin'}"]
        )
        (work / "cat-copy.bin").unlink()
        (work / "cat-copy2.bin").unlink()

        ref = start_uvicorn("bench.documents:raw_app", workers=1)
        try:
            curl = [
                "curl",
                "-sS",
                "--fail",
                "-o",
                "/dev/null",
                "-F",
                f"file=@{big};type=application/octet-stream",
            ]
            raw_s, _ = timed([*curl, f"{ref.base}/upload"])
            raw_hash_s, _ = timed([*curl, f"{ref.base}/upload?hash=1"])
        finally:
            ref.stop()

        with scratch_pg_database("docs") as db:
            env = {
                "DEALBENCH_DATABASE_URL": db,
                "DEALBENCH_SECRET_KEY": "bench-secret",
                "DEALBENCH_VAR_DIR": str(work / "var"),
                "DEALBENCH_STORAGE_URL": f"file://{work / 'files'}",
                "DEALBENCH_RATE_LIMIT_PER_MINUTE": "1000000000",
            }
            token = bootstrap(env, admin_email="b@bench.test")
            server = start_dealbench(db, workers=args.workers, env=env, var_dir=str(work / "var"))
            try:
                h = {"X-API-Key": token}
                project = httpx.post(f"{server.base}/v1/projects", json={"name": "bench"}, headers=h).json()
                pid = project["id"]
                with PeakRss(server) as up_rss:
                    upload_s, out = timed(
                        [
                            "curl",
                            "-sS",
                            "--fail-with-body",
                            "-H",
                            f"X-API-Key: {token}",
                            "-F",
                            f"file=@{big};type=application/octet-stream",
                            f"{server.base}/v1/projects/{pid}/documents",
                        ]
                    )
                doc = json.loads(out)
                assert doc["sha256"] == sha, "upload hash mismatch"
                target = work / "download.bin"
                with PeakRss(server) as down_rss:
                    download_s, _ = timed(
                        [
                            "curl",
                            "-sS",
                            "--fail",
                            "-H",
                            f"X-API-Key: {token}",
                            "-o",
                            str(target),
                            f"{server.base}/v1/projects/{pid}/documents/{doc['id']}/content",
                        ]
                    )
                got = hashlib.sha256()
                with target.open("rb") as fh:
                    while chunk := fh.read(8 * 1024 * 1024):
                        got.update(chunk)
                assert got.hexdigest() == sha, "download hash mismatch"
                target.unlink()
                with PeakRss(server) as conc_rss:
                    errors, conc_s, samples = asyncio.run(
                        concurrent_uploads(server.base, token, pid, args.concurrent)
                    )
            finally:
                server.stop()

        mb = args.mb
        print()
        print(
            f"file: {mb} MB, server: dealbench serve --workers {args.workers}, PostgreSQL, local file storage (fsync on)"
        )
        print(f"cat to disk                 : {cat_s:6.2f} s  ({mb / cat_s:7.0f} MB/s)")
        print(f"cat to disk + sync          : {cat_sync_s:6.2f} s  ({mb / cat_sync_s:7.0f} MB/s)")
        ratio = upload_s / cat_s
        verdict = "meets" if ratio <= 2 else "MISSES"
        print(
            f"upload (hash + store)       : {upload_s:6.2f} s  ({mb / upload_s:7.0f} MB/s)  = {ratio:.2f}x cat (target <= 2x: {verdict})"
        )
        print(f"                              = {upload_s / cat_sync_s:.2f}x cat + sync")
        print(
            f"reference: bare ASGI receive: {raw_s:6.2f} s  ({mb / raw_s:7.0f} MB/s)  = {raw_s / cat_s:.2f}x cat"
        )
        print(
            f"  ... + SHA-256 + MD5 inline: {raw_hash_s:6.2f} s  ({mb / raw_hash_s:7.0f} MB/s)  = {raw_hash_s / cat_s:.2f}x cat"
        )
        print(f"download                    : {download_s:6.2f} s  ({mb / download_s:7.0f} MB/s)")
        for label, rss in (("upload", up_rss), ("download", down_rss)):
            v = "meets" if rss.growth_mb <= 64 else "MISSES"
            print(f"peak RSS growth, {label:<9}  : {rss.growth_mb:6.1f} MB (target <= 64 MB: {v})")
        v = "meets" if errors == 0 else "MISSES"
        print(
            f"{args.concurrent} concurrent 1 MB uploads : {conc_s:6.2f} s, errors {errors} (target 0: {v}); "
            f"peak RSS growth {conc_rss.growth_mb:.1f} MB"
        )
        for sample in samples:
            print("  error:", sample)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
