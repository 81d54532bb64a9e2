# Daily Drill in a container: the README's install command on a slim Python, run as a user of its own.
# Tokens come from the environment (docker run -e ...), the database lives on the /data volume.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 drill && mkdir /data && chown drill /data
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e .
USER drill
ENV DRILL_DB=/data/drill.db PYTHONUNBUFFERED=1
VOLUME /data
# Unhealthy once the scheduler has completed no sweep for three sweep intervals.
HEALTHCHECK --interval=60s --timeout=15s --start-period=60s CMD ["python", "-m", "bot", "status", "--check"]
CMD ["python", "-m", "bot", "run"]
