FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install . \
 && DEBUG=true python manage.py collectstatic --noinput \
 && useradd --create-home solo && mkdir -p var && chown -R solo var
USER solo
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn solo.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
