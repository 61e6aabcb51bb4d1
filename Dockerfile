# Dealbench in a container: `dealbench serve` on port 8000, data under /var/lib/dealbench.
# Built by compose.yaml (see docs/operations.md); the image itself needs no build tools at run time.

# --- build: install the package and its dependencies into a virtual environment
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/dealbench
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/dealbench/bin/pip install .

# --- run: the virtual environment alone, as an unprivileged user
FROM python:3.11-slim-bookworm
ENV PATH=/opt/dealbench/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DEALBENCH_VAR_DIR=/var/lib/dealbench \
    DEALBENCH_STORAGE_URL=file:///var/lib/dealbench/files
RUN groupadd --system --gid 10001 dealbench \
 && useradd --system --uid 10001 --gid dealbench --home-dir /var/lib/dealbench --create-home dealbench
COPY --from=build /opt/dealbench /opt/dealbench
USER dealbench
WORKDIR /var/lib/dealbench
# The embedded defaults (SQLite database, documents, generated secret key) and the metrics files of
# the workers live here; with PostgreSQL and S3 storage configured only the latter do.
VOLUME ["/var/lib/dealbench"]
EXPOSE 8000
# Liveness: the process answers. Load balancers should use /readyz (database, Redis, storage).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["dealbench", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
