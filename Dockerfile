# syntax=docker/dockerfile:1
# One recipe for every Harbour process image. The build context is the repository root:
#   docker build --build-arg SERVICE=directory --build-arg MEMBER=services/directory \
#     --build-arg PORT=8001 -t harbour-directory .
# SERVICE names the workspace member `harbour-<SERVICE>` and its command; MEMBER is its folder.
# The images: directory (8001), referrals (8002), notifications (8003), gateway (8000), and
# web (MEMBER=web, 8004); each answers /healthz on its port.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: resolve the locked dependencies into a self-contained virtualenv ----
FROM ${PYTHON_IMAGE} AS build

ARG SERVICE
ARG MEMBER

RUN pip install --no-cache-dir uv==0.13.9

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /src

# The workspace root and every member's pyproject.toml must be present for `--frozen`
# to resolve the workspace against uv.lock; copying them alone keeps this layer cached
# until a dependency changes.
COPY pyproject.toml uv.lock ./
COPY services/kit/pyproject.toml services/kit/
COPY services/directory/pyproject.toml services/directory/
COPY services/referrals/pyproject.toml services/referrals/
COPY services/notifications/pyproject.toml services/notifications/
COPY gateway/pyproject.toml gateway/
COPY web/pyproject.toml web/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package harbour-${SERVICE}

# Then the sources of this member and the kit, installed as regular (non-editable) wheels.
COPY services/kit services/kit
COPY ${MEMBER} ${MEMBER}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package harbour-${SERVICE}

# ---- runtime: the virtualenv only, run as an unprivileged user ----
FROM ${PYTHON_IMAGE}

ARG SERVICE
ARG PORT

RUN groupadd --system --gid 10001 harbour \
    && useradd --system --uid 10001 --gid harbour --no-create-home \
        --home-dir /var/lib/harbour --shell /usr/sbin/nologin harbour \
    && mkdir -p /var/lib/harbour/keys \
    && chown harbour:harbour /var/lib/harbour /var/lib/harbour/keys

COPY --from=build /app/.venv /app/.venv

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HARBOUR_DATA_DIR=/var/lib/harbour \
    HARBOUR_SERVICE=${SERVICE} \
    HARBOUR_SERVICE_PORT=${PORT}

WORKDIR /app
USER 10001:10001

EXPOSE ${PORT}

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['HARBOUR_SERVICE_PORT'] + '/healthz', timeout=4)"]

# In a container every process listens on all interfaces, on the port the image was built for.
CMD ["sh", "-c", "exec harbour-\"$HARBOUR_SERVICE\" serve --host 0.0.0.0 --port \"$HARBOUR_SERVICE_PORT\""]
