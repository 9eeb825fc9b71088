"""Shared helpers for the exchangelib interop scripts.

Parameters come from the environment:
  RDV_URL                      EWS endpoint, e.g. http://127.0.0.1:5055/EWS/Exchange.asmx
  RDV_USER1 / RDV_PASSWORD1    first mailbox (address and password)
  RDV_USER2 / RDV_PASSWORD2    second mailbox
  RDV_DEBUG=1                  optional: log every request and response (exchangelib DEBUG logging)

Each script prints one line per check, `ok NAME` or `FAIL NAME: reason`, and exits 1 if any check failed
(2 on a usage error). Run with /usr/bin/python3 (Debian's python3-exchangelib 4.9.0).
"""
import logging
import os
import sys
import time
import traceback
import uuid

from exchangelib import (BASIC, DELEGATE, Account, Build, Configuration, Credentials, EWSDateTime, EWSTimeZone,
                         Version)
from exchangelib.protocol import BaseProtocol, close_connections

UTC = EWSTimeZone("UTC")
EXPLICIT_BUILD = Build(15, 0, 1497, 2)

# Fail fast instead of waiting minutes on a hung server.
BaseProtocol.TIMEOUT = 30

if os.environ.get("RDV_DEBUG") == "1":
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)


def env(name):
    value = os.environ.get(name)
    if not value:
        print(f"usage error: environment variable {name} is not set", file=sys.stderr)
        sys.exit(2)
    return value


URL = env("RDV_URL")
USER1, PASSWORD1 = env("RDV_USER1"), env("RDV_PASSWORD1")
USER2, PASSWORD2 = env("RDV_USER2"), env("RDV_PASSWORD2")


def run_id():
    """A short random tag put in every subject so that runs against the same mailboxes never see each other."""
    return uuid.uuid4().hex[:12]


def dt(year, month, day, hour=0, minute=0):
    """A fixed UTC EWSDateTime."""
    return EWSDateTime(year, month, day, hour, minute, tzinfo=UTC)


def wait_for(qs_fn, n=1, timeout=10.0):
    """Delivery may be asynchronous on other servers: poll until at least n items match."""
    deadline = time.monotonic() + timeout
    while True:
        items = list(qs_fn())
        if len(items) >= n or time.monotonic() > deadline:
            return items
        time.sleep(0.5)


def make_account(address, user, password, version=True, auth=True, fresh=False):
    """An Account on RDV_URL. version=False lets exchangelib guess the version; auth=False lets it guess the auth
    type. fresh=True drops exchangelib's protocol cache first, so no earlier guess is reused."""
    if fresh:
        close_connections()
    kwargs = {"service_endpoint": URL, "credentials": Credentials(user, password)}
    if auth:
        kwargs["auth_type"] = BASIC
    if version:
        kwargs["version"] = Version(build=EXPLICIT_BUILD)
    config = Configuration(**kwargs)
    return Account(address, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)


def account1(**kw):
    return make_account(USER1, USER1, PASSWORD1, **kw)


def account2(**kw):
    return make_account(USER2, USER2, PASSWORD2, **kw)


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def expect_raises(fn, what, accept=None):
    """Run fn; it must raise. accept(exc) may refine which exceptions count. Returns the exception."""
    try:
        result = fn()
    except CheckFailed:
        raise
    except Exception as e:  # noqa: BLE001 - any error from exchangelib counts, unless accept refuses it
        if accept is not None and not accept(e):
            raise CheckFailed(f"{what}: unexpected exception {type(e).__name__}: {e}")
        return e
    raise CheckFailed(f"{what}: expected an error, got {result!r}")


class Checks:
    """Runs named checks; a check that needs an earlier failed one fails too, saying so."""

    def __init__(self):
        self.results = {}

    def run(self, name, fn, needs=()):
        missing = [n for n in needs if not self.results.get(n)]
        if missing:
            self._report(name, False, f"not run: needs {', '.join(missing)}")
            return None
        try:
            value = fn()
        except CheckFailed as e:
            self._report(name, False, str(e))
            return None
        except Exception as e:  # noqa: BLE001
            if os.environ.get("RDV_DEBUG") == "1":
                traceback.print_exc(file=sys.stderr)
            self._report(name, False, f"{type(e).__name__}: {e}")
            return None
        self._report(name, True, None)
        return value

    def _report(self, name, ok, reason):
        self.results[name] = ok
        line = f"ok {name}" if ok else f"FAIL {name}: " + " ".join(str(reason).split())
        print(line, flush=True)

    def cleanup(self, fn):
        """Best-effort cleanup: never reported, never fatal."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            print(f"# cleanup error: {type(e).__name__}: {e}", file=sys.stderr)

    def finish(self):
        failed = [n for n, ok in self.results.items() if not ok]
        print(f"# {len(self.results) - len(failed)} ok, {len(failed)} failed", flush=True)
        sys.exit(1 if failed else 0)
