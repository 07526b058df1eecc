"""Run a DAG once with ``dag.test()`` and leave each task's log where the Airflow UI reads it.

``dag.test()`` runs every task in this process and logs to the console only, so a run made this way
(the demo, ``jeugdhulp dag test``) shows "Log file not found on worker" in the UI. The UI reads
``[logging] base_log_folder`` / the run's log filename template (``dag_id=…/run_id=…/task_id=…/
attempt=N.log``, JSON lines as Airflow's own workers write them). While a task runs here, its log
events are also written to exactly that file. Only the CLI imports this module (it imports Airflow).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from pathlib import Path

import structlog


def run(dag):
    """``dag.test()`` with every task's log also in the file the UI reads; returns the DagRun."""
    from airflow.sdk.execution_time import supervisor

    original = supervisor.run_task_in_process

    def run_task_logged(ti, task, client=None):
        with _log_to(_log_path(ti)):
            return original(ti, task, client) if client is not None else original(ti, task)

    # dag.test() looks this function up in the supervisor module for every task it runs
    supervisor.run_task_in_process = run_task_logged
    try:
        return dag.test()
    finally:
        supervisor.run_task_in_process = original


def _log_path(ti) -> Path:
    """The file the UI's FileTaskHandler reads for this try of the task instance."""
    from airflow.configuration import conf
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.log.file_task_handler import FileTaskHandler
    from airflow.utils.session import create_session

    base = conf.get("logging", "base_log_folder")
    with create_session() as session:
        model = session.get(TaskInstance, ti.id)
        return Path(base) / FileTaskHandler(base)._render_filename(model, ti.try_number, session=session)


@contextlib.contextmanager
def _log_to(path: Path):
    """Tee every log event of the task into ``path``: structlog events (Airflow's and the task
    runner's) and stdlib logging records (our library modules), as JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    details = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    processors = structlog.get_config()["processors"]  # the live list every structlog logger uses
    with path.open("a", encoding="utf-8") as out:

        def write(timestamp: str | None, level: str, event: str, exc_info=None, **extra) -> None:
            line = {"timestamp": timestamp, "level": level, "event": event, **extra}
            if exc_info:
                line["error_detail"] = details(exc_info)
            out.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")
            out.flush()

        def tee(logger, method_name, event_dict):
            event = dict(event_dict)
            exc_info = event.pop("exc_info", None)
            if exc_info is True or isinstance(exc_info, BaseException):
                import sys

                exc_info = sys.exc_info() if exc_info is True else (type(exc_info), exc_info, exc_info.__traceback__)
            write(event.pop("timestamp", None), event.pop("level", method_name), str(event.pop("event", "")),
                  exc_info if exc_info and exc_info[0] else None, **event)
            return event_dict

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                when = dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat().replace("+00:00", "Z")
                write(when, record.levelname.lower(), record.getMessage(), record.exc_info, logger=record.name)

        handler = Handler(logging.INFO)
        processors.insert(len(processors) - 1, tee)  # after the timestamp/level, before the renderer
        logging.getLogger().addHandler(handler)
        try:
            yield
        finally:
            logging.getLogger().removeHandler(handler)
            processors.remove(tee)
