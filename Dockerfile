FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pango and a font for the printed shortlists (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend backend
COPY api api
COPY accounts accounts
COPY activities activities
COPY matching matching
COPY curation curation
COPY notifications notifications
COPY interop interop
COPY referrals referrals
COPY impact impact
COPY visiting visiting
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --system --uid 1000 relier
USER relier
EXPOSE 8000
# Sync workers, 2 per core for two cores, behind the reverse proxy that terminates TLS and
# buffers slow clients: each worker takes a connection only when it is free, so the load
# spreads over the cores (threaded workers keep the keep-alive connections they happened to
# accept; measured in docs/benchmarks.md).
CMD ["gunicorn", "backend.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--limit-request-line", "8190"]
