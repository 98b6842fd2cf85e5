#!/usr/bin/env python3
"""Fault injection against a running deployment: `make faults` (README, "Background work").

Starts its own Redis (a private port, with an append-only file), a Celery worker, the beat
and gunicorn on private ports, against a throwaway database (a SQLite file in a temporary
directory, or FAULTS_DATABASE_URL: a PostgreSQL database that is DROPPED and created
again) and a temporary MEDIA_ROOT and mail folder. Then it drives requests as a
consultant and a manager: stage transitions (each sends a notice) and dossier requests
(each renders a PDF), kills the whole worker (SIGKILL) while renders run, sends more,
stops Redis, sends more (the pages must answer at once), starts Redis and a new worker,
and waits until the outbox is empty. It prints:

    jobs requested / done / lost / duplicated

where *lost* is a job whose effect never happened (a notice nobody got, a PDF never made)
and *duplicated* an effect that happened more than once (the same notice mailed twice to
one person, two files stored for one document). Expected: 0 lost, 0 duplicated. Every
process it started is stopped at the end; it exits 1 when anything was lost or duplicated.
"""

import email
import email.header
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
CELERY = str(ROOT / ".venv" / "bin" / "celery")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6390"))
WEB_PORT = int(os.environ.get("FAULTS_WEB_PORT", "8790"))
PER_PHASE = int(os.environ.get("FAULTS_PER_PHASE", "4"))
PASSWORD = "faults-2026-safety"
WAIT_SECONDS = int(os.environ.get("FAULTS_WAIT_SECONDS", "240"))

SETUP = r"""
import json
from django_scopes import scopes_disabled
from django.urls import reverse
from tests import factories as f
with scopes_disabled():
    firm = f.FirmFactory(name="故障演练咨询公司")
    manager = f.ManagerFactory(firm=firm, email="manager@faults.test")
    consultant = f.ConsultantFactory(firm=firm, email="consultant@faults.test")
    for user in (manager, consultant):
        user.set_password(%(password)r); user.save()
    client = f.ClientFactory(firm=firm)
    rows = []
    for i in range(%(count)d):
        e = f.EngagementFactory(client=client, lead_consultant=consultant)
        e.consultants.add(manager)
        f.NeedsAssessmentFactory(engagement=e)
        rows.append({"id": e.pk, "number": e.number,
                     "transition": reverse("engagements:transition", args=[e.pk, "confirm_needs"]),
                     "dossier": reverse("dashboard:dossier", args=[e.pk])})
print("FAULTS-SETUP " + json.dumps(rows))
"""

REPORT = r"""
import json
from django_scopes import scopes_disabled
from consultancy.outbox.models import Job
from consultancy.documents.models import GeneratedDocument
with scopes_disabled():
    jobs = [{"id": j.pk, "task": j.task, "args": j.args, "state": j.state,
             "attempts": j.attempts, "runs": j.runs, "error": j.error[:200]}
            for j in Job.objects.order_by("pk")]
    docs = [{"id": d.pk, "owner": d.owner_id, "status": d.status, "file": d.file.name,
             "error": d.error[:200]} for d in GeneratedDocument.objects.order_by("pk")]
print("FAULTS-REPORT " + json.dumps({"jobs": jobs, "documents": docs}))
"""


class Stack:
    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="faults-"))
        self.procs = {}
        self.env = dict(os.environ)
        database = os.environ.get("FAULTS_DATABASE_URL") or f"sqlite:///{self.tmp / 'db.sqlite3'}"
        self.env.update({
            "DATABASE_URL": database,
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "MEDIA_ROOT": str(self.tmp / "private"),
            "EMAIL_URL": f"filemail:///{self.tmp / 'mail'}",
            "SECRET_KEY": "faults-only-not-a-secret-" + "x" * 40,
            "DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false",
            "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
            "DJANGO_SETTINGS_MODULE": "consultancy.settings.base",
            # short claims and limits, so that a dead worker's jobs come back within the run
            "OUTBOX_SWEEP_SECONDS": "3", "OUTBOX_SWEEP_MIN_AGE_SECONDS": "2",
            "OUTBOX_QUEUE_CLAIM_SECONDS": "30", "OUTBOX_RUNNING_GRACE_SECONDS": "5",
            "PDF_SOFT_TIME_LIMIT": "40", "PDF_TIME_LIMIT": "50",
            "TASK_SOFT_TIME_LIMIT": "30", "TASK_TIME_LIMIT": "40",
            "BROKER_VISIBILITY_TIMEOUT": "120", "LOG_LEVEL": "WARNING",
        })
        self.database = database

    # -- processes --------------------------------------------------------------------

    def start(self, name, args, **kwargs):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            **kwargs)

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)  # the process group it leads: the pool children too
            proc.wait(timeout=30)

    def manage(self, *args, code=None):
        cmd = [PY, "manage.py", *args] if code is None else [PY, "manage.py", "shell", "-c", code]
        out = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"manage.py {args or 'shell'} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def start_redis(self):
        self.start("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                             "--dir", str(self.tmp), "--appendonly", "yes",
                             "--appendfsync", "everysec", "--save", ""])
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise SystemExit("Redis did not start")

    def stop_redis(self):
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown"], capture_output=True)
        proc = self.procs.pop("redis", None)
        if proc is not None:
            proc.wait(timeout=30)

    def start_worker(self, n):
        self.start(f"worker{n}", [CELERY, "-A", "consultancy", "worker", "-c", "2",
                                  "-l", "warning", "-n", f"faults{n}@%h"])

    def stop_all(self):
        for name in list(self.procs):
            if name == "redis":
                self.stop_redis()
            else:
                self.kill(name, signal.SIGTERM)

    # -- set-up -------------------------------------------------------------------------

    def prepare_database(self):
        url = urllib.parse.urlsplit(self.database)
        if url.scheme.startswith("postgres"):
            name = url.path.lstrip("/")
            admin = self.database.rsplit("/", 1)[0] + "/postgres"
            for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
                subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
        self.manage("migrate", "--noinput", "-v", "0")


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect())

    def _csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path):
        return self.opener.open(self.base + path, timeout=60)

    def post(self, path, data=None):
        body = urllib.parse.urlencode({**(data or {}),
                                       "csrfmiddlewaretoken": self._csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={
            "X-CSRFToken": self._csrf(), "Referer": self.base + path})
        started = time.monotonic()
        try:
            response = self.opener.open(request, timeout=60)
            status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.monotonic() - started

    def login(self, email):
        self.get("/accounts/login/").read()
        status, _ = self.post("/accounts/login/", {"username": email, "password": PASSWORD})
        assert status == 302, f"login of {email} answered {status}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def mails(folder):
    """(to, subject) of every mail the file backend wrote (the subject decoded)."""
    found = []
    for path in sorted(Path(folder).glob("*.log")) if Path(folder).exists() else []:
        for text in path.read_text("utf-8", "replace").split("-" * 79):
            message = email.message_from_string(text.strip())
            if message["To"] and message["Subject"]:
                subject = str(email.header.make_header(
                    email.header.decode_header(message["Subject"])))
                found.append((message["To"].strip(), subject))
    return found


def main():
    for tool in ("redis-server", "redis-cli"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed (apt-get install redis-server)")
    stack = Stack()
    print(f"== faults: {stack.tmp} (database {stack.database.split('@')[-1]})", flush=True)
    try:
        stack.prepare_database()
        total = 3 * PER_PHASE
        rows = json.loads(stack.manage(code=SETUP % {"password": PASSWORD, "count": total})
                          .split("FAULTS-SETUP ", 1)[1])
        stack.start_redis()
        stack.start_worker(1)
        stack.start("beat", [CELERY, "-A", "consultancy", "beat", "-l", "warning",
                             "--schedule", str(stack.tmp / "beat-schedule")])
        stack.start("web", [GUNICORN, "consultancy.wsgi:application", "--bind",
                            f"127.0.0.1:{WEB_PORT}", "--workers", "2", "--timeout", "60"])
        base = f"http://127.0.0.1:{WEB_PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except Exception:
                time.sleep(0.3)
        consultant, manager = Browser(base), Browser(base)
        consultant.login("consultant@faults.test")
        manager.login("manager@faults.test")
        answers = []

        def drive(phase, batch):
            for row in batch:
                for who, path, data in ((consultant, row["transition"],
                                         {"expected_stage": "needs_analysis"}),
                                        (manager, row["dossier"], {})):
                    status, seconds = who.post(path, data)
                    answers.append((phase, path, status, seconds))
            print(f"   {phase}: {len(batch) * 2} requests, answers "
                  f"{sorted({a[2] for a in answers if a[0] == phase})}, slowest "
                  f"{max(a[3] for a in answers if a[0] == phase):.2f} s", flush=True)

        drive("normal", rows[:PER_PHASE])
        time.sleep(1.5)  # renders are running
        print("-- killing the worker (SIGKILL, mid-render)", flush=True)
        stack.kill("worker1")
        drive("worker dead", rows[PER_PHASE:2 * PER_PHASE])
        print("-- stopping Redis", flush=True)
        stack.stop_redis()
        drive("redis down", rows[2 * PER_PHASE:])
        time.sleep(2)
        print("-- starting Redis and a new worker", flush=True)
        stack.start_redis()
        stack.start_worker(2)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            report = json.loads(stack.manage(code=REPORT).split("FAULTS-REPORT ", 1)[1])
            open_jobs = [j for j in report["jobs"] if j["state"] in ("pending", "sent",
                                                                       "running")]
            if not open_jobs:
                break
            time.sleep(3)
        time.sleep(3)  # a late duplicate would show now
        report = json.loads(stack.manage(code=REPORT).split("FAULTS-REPORT ", 1)[1])
        sent = mails(stack.tmp / "mail")
        return summarise(rows, report, sent, answers, stack)
    finally:
        stack.stop_all()
        if os.environ.get("FAULTS_KEEP") != "1":
            shutil.rmtree(stack.tmp, ignore_errors=True)


def summarise(rows, report, sent, answers, stack):
    jobs = report["jobs"]
    docs = {d["id"]: d for d in report["documents"]}
    requested = done = lost = duplicated = 0
    by_number = {row["number"]: row for row in rows}
    for job in jobs:
        requested += 1
        if job["task"].endswith("notify_stage_changed"):
            transition_mails = [m for m in sent
                                if m[0] == "manager@faults.test"
                                and any(number in m[1] for number in by_number)]
            number = next((n for n in by_number if by_number[n]["id"]
                           in _engagement_of(job, stack)), None)
            count = sum(1 for m in transition_mails if number and number in m[1])
        elif job["task"].endswith("render_document"):
            doc = docs.get(job["args"][1], {})
            stored = bool(doc.get("file")) and (Path(stack.env["MEDIA_ROOT"])
                                                / doc["file"]).exists()
            count = 1 if doc.get("status") == "ready" and stored else 0
        else:
            count = 1 if job["state"] == "done" else 0
        if count == 0:
            lost += 1
            print(f"   LOST: job {job['id']} {job['task']} {job['state']} {job['error']}")
        elif count > 1:
            duplicated += 1
            print(f"   DUPLICATED: job {job['id']} {job['task']} x{count}")
        done += count >= 1
    # two files for one document, or a document of its own for a repeated request
    stored = [p for p in Path(stack.env["MEDIA_ROOT"]).rglob("*.pdf")]
    ready = [d for d in docs.values() if d["status"] == "ready"]
    if len(stored) > len(ready):
        duplicated += len(stored) - len(ready)
        print(f"   DUPLICATED: {len(stored)} PDF files for {len(ready)} documents")
    resent = sum(1 for j in jobs if j["attempts"] > 1)
    statuses = sorted({a[2] for a in answers})
    print(f"== answers: {len(answers)} requests, statuses {statuses}, slowest "
          f"{max(a[3] for a in answers):.2f} s; jobs sent more than once: {resent}")
    print(f"== jobs requested {requested} / done {done} / lost {lost} / "
          f"duplicated {duplicated}")
    return 0 if lost == 0 and duplicated == 0 and statuses == [302] else 1


_transition_cache = {}


def _engagement_of(job, stack):
    """The engagement ids a stage-change job is about (its StageTransition row)."""
    if not _transition_cache:
        code = ("import json\nfrom django_scopes import scopes_disabled\n"
                "from engagements.models import StageTransition\n"
                "with scopes_disabled():\n"
                "    print('FAULTS-T ' + json.dumps({t.pk: t.engagement_id for t in "
                "StageTransition.objects.all()}))")
        _transition_cache.update(json.loads(stack.manage(code=code).split("FAULTS-T ", 1)[1]))
    return [_transition_cache.get(str(job["args"][1]))]


if __name__ == "__main__":
    sys.exit(main())
