FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
# Static files with the production storage (hashed names + manifest): the worker renders with them.
RUN pip install . \
 && SECRET_KEY=collectstatic-only-build-time-placeholder python manage.py collectstatic --noinput \
 && useradd --create-home solo && mkdir -p var/media && chown -R solo var
USER solo
EXPOSE 8000
# collectstatic again at start: it refreshes the volume the proxy serves /static/ from, which
# keeps the files of the image it was first made from.
CMD ["sh", "-c", "python manage.py collectstatic --noinput -v 0 && python manage.py migrate --noinput && exec gunicorn solo.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
