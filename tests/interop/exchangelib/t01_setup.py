#!/usr/bin/python3
"""Account setup the three ways exchangelib does it, each followed by operations that must work:
explicit version + BASIC; no version (ConvertId probe, version adopted from ServerVersionInfo); no auth_type
(credential-less POST, 401 + WWW-Authenticate: Basic, then Basic)."""
from exchangelib import BASIC, Version
from exchangelib.folders import Calendar, Root

from common import EXPLICIT_BUILD, USER1, Checks, account1, expect, expect_eq

c = Checks()


def use_account(acct):
    root = acct.root
    expect(isinstance(root, Root), f"account.root is {type(root).__name__}")
    expect(root.id, "root folder has no id")
    cal = acct.calendar
    expect(isinstance(cal, Calendar), f"account.calendar is {type(cal).__name__}")
    expect(cal.id, "calendar folder has no id")
    total = cal.total_count
    expect(isinstance(total, int) and total >= 0, f"calendar.total_count is {total!r}")
    # A real query, not just folder binds.
    list(cal.filter(subject="rendezvous-setup-probe-that-matches-nothing"))


# (a) explicit version, auth_type=BASIC
acct_a = c.run("setup_explicit_version_basic", lambda: account1(fresh=True))
c.run("setup_explicit_version_basic_ops", lambda: use_account(acct_a), needs=["setup_explicit_version_basic"])
c.run("setup_explicit_version_primary_address",
      lambda: expect_eq(acct_a.primary_smtp_address.lower(), USER1.lower(), "primary_smtp_address"),
      needs=["setup_explicit_version_basic"])


# (b) no version: exchangelib probes with ConvertId (RequestServerVersion Exchange2019) and adopts the version in the
# fault's ServerVersionInfo header.
def guessed_version():
    acct = account1(version=False, fresh=True)
    v = acct.version
    expect(isinstance(v, Version), f"account.version is {v!r}")
    b = v.build
    expect(b is not None, "no build guessed")
    for part in ("major_version", "minor_version", "major_build", "minor_build"):
        expect(getattr(b, part) is not None, f"guessed build lacks {part}: {b!r}")
    expect(b.major_version >= 14, f"guessed build {b!r} is older than Exchange 2010")
    expect(v.api_version, f"no api_version guessed: {v!r}")
    return acct


acct_b = c.run("setup_version_guess", guessed_version)
c.run("setup_version_guess_ops", lambda: use_account(acct_b), needs=["setup_version_guess"])


# (c) no auth_type: a credential-less POST must get 401 + WWW-Authenticate: Basic; exchangelib then uses Basic.
def guessed_auth():
    acct = account1(auth=False, fresh=True)
    expect_eq(acct.protocol.auth_type, BASIC, "guessed auth_type")
    return acct


acct_c = c.run("setup_auth_guess", guessed_auth)
c.run("setup_auth_guess_ops", lambda: use_account(acct_c), needs=["setup_auth_guess"])


# (b)+(c): nothing given but the endpoint and credentials.
def guess_both():
    acct = account1(auth=False, version=False, fresh=True)
    expect_eq(acct.protocol.auth_type, BASIC, "guessed auth_type")
    use_account(acct)


c.run("setup_guess_version_and_auth", guess_both)


# A wrong password must be refused (exchangelib raises UnauthorizedError/TransportError), not served.
def wrong_password():
    from common import make_account
    from common import expect_raises
    expect_raises(lambda: make_account(USER1, USER1, "definitely-not-the-password", fresh=True).root,
                  "bad password")


c.run("setup_wrong_password_refused", wrong_password)
c.finish()
