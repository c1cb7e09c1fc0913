"""``flask jobs worker``: the process that runs queued jobs; ``flask jobs run-pending`` runs them once."""
import logging
import signal
import threading

import click

from pimconnect.db import db


def init_app(app):
    jobs_group = click.Group("jobs", help="Background jobs (completeness recomputes, …).")
    app.cli.add_command(jobs_group)

    @jobs_group.command("worker")
    @click.option("--poll", default=1.0, type=click.FloatRange(min=0.1), show_default=True,
                  help="Seconds between two looks at the queue when it is empty.")
    def worker(poll):
        """Run queued jobs until stopped (Ctrl-C or SIGTERM hand the current job back to the queue)."""
        from pimconnect.services import jobs

        logging.basicConfig(level=logging.INFO, format="%(asctime)s jobs %(levelname)s %(message)s")
        stop = threading.Event()

        def _stop(signum, frame):
            if stop.is_set():  # a second Ctrl-C: leave now; the job resumes after its last chunk
                raise KeyboardInterrupt
            stop.set()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        click.echo("Job worker running (Ctrl-C stops it after the current chunk).")
        jobs.work(stop, poll_seconds=poll)

    @jobs_group.command("run-pending")
    def run_pending():
        """Run every queued job now, then exit."""
        from pimconnect.services import jobs

        with db.connection_context():
            count = jobs.run_pending()
        click.echo(f"Ran {count} job(s).")
