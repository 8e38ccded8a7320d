"""Tasks of the self-run survey (Django's Tasks API through django-tasks; `manage.py db_worker`
runs them). A task carries only a job's id and payload: the job row is the record people read."""

from django_tasks import task

from . import jobs


@task()
def run_job(job_id: int, payload: dict) -> dict:
    return jobs.job_run(job_id, payload)
