#!/usr/bin/python3
"""Account(..., autodiscover=True), POX (exchangelib 4.9's default) and SOAP (autodiscover="soap").

exchangelib looks for https://DOMAIN/Autodiscover/Autodiscover.xml (then autodiscover.DOMAIN, DNS SRV): it cannot be
pointed at http://127.0.0.1:PORT. Its autodiscover cache is the seam: a cached endpoint for the domain is tried first
(discovery's _quick step), so the cache is given this server's autodiscover URL, as a previous discovery would have
left it; everything after that (the request, parsing the answer, the EWS URL and version it adopts) is exchangelib's."""
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials
from exchangelib.autodiscover import clear_cache
from exchangelib.autodiscover.cache import autodiscover_cache
from exchangelib.autodiscover.protocol import AutodiscoverProtocol
from exchangelib.errors import AutoDiscoverFailed, ErrorNonExistentMailbox

from common import PASSWORD1, URL, USER1, USER2, UTC, Checks, expect, expect_eq, expect_raises

c = Checks()
BASE = URL[: -len("/EWS/Exchange.asmx")] if URL.lower().endswith("/ews/exchange.asmx") else URL.rstrip("/")
DOMAIN = USER1.split("@", 1)[1]


def seed(path, credentials):
    clear_cache()
    protocol = AutodiscoverProtocol(
        config=Configuration(service_endpoint=f"{BASE}/{path}", credentials=credentials, auth_type=BASIC)
    )
    autodiscover_cache[(DOMAIN, credentials)] = protocol


def discovered(kind):
    credentials = Credentials(USER1, PASSWORD1)
    seed("Autodiscover/Autodiscover.xml" if kind is True else "autodiscover/autodiscover.svc", credentials)
    acct = Account(USER1, credentials=credentials, autodiscover=kind, access_type=DELEGATE, default_timezone=UTC)
    expect_eq(acct.protocol.service_endpoint.lower(), URL.lower(), "EWS endpoint discovered")
    expect_eq(acct.primary_smtp_address.lower(), USER1.lower(), "primary_smtp_address")
    expect(acct.version.build.major_version == 15, f"version {acct.version}")
    acct.protocol.config.auth_type = BASIC
    # The account works on the endpoint it was given.
    expect(acct.calendar.id, "calendar folder has no id")
    return acct


c.run("pox_account_autodiscover", lambda: discovered(True))
c.run("soap_account_autodiscover", lambda: discovered("soap"))


def pox_other_address():
    credentials = Credentials(USER1, PASSWORD1)
    seed("Autodiscover/Autodiscover.xml", credentials)
    expect_raises(
        lambda: Account(USER2, credentials=credentials, autodiscover=True, access_type=DELEGATE, default_timezone=UTC),
        "another user's address",
        accept=lambda e: isinstance(e, (ErrorNonExistentMailbox, AutoDiscoverFailed)),
    )


c.run("pox_other_address_not_found", pox_other_address)


def soap_other_address():
    credentials = Credentials(USER1, PASSWORD1)
    seed("autodiscover/autodiscover.svc", credentials)
    expect_raises(
        lambda: Account(USER2, credentials=credentials, autodiscover="soap", access_type=DELEGATE, default_timezone=UTC),
        "another user's address",
        accept=lambda e: isinstance(e, (ErrorNonExistentMailbox, AutoDiscoverFailed)),
    )


c.run("soap_other_address_invalid_user", soap_other_address)
clear_cache()
c.finish()
