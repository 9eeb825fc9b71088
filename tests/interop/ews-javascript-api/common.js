'use strict';
/*
 * Shared helpers for the ews-javascript-api interop scripts (ews-javascript-api 0.15.3, the EWS Managed API's port).
 *
 * Parameters come from the environment:
 *   RDV_URL                      EWS endpoint, e.g. http://127.0.0.1:5055/EWS/Exchange.asmx
 *   RDV_USER1 / RDV_PASSWORD1    first mailbox (the organizer)
 *   RDV_USER2 / RDV_PASSWORD2    second mailbox (the attendee)
 *   RDV_DEBUG=1                  optional: log every request and response
 *
 * Each script prints one line per step, `ok NAME` or `FAIL NAME: reason`, then `# N ok, M failed`, and exits 1 if
 * any step failed (2 on a usage error). A step that needs an earlier failed one fails with `not run: needs ...`.
 */
const ews = require('ews-javascript-api');

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`usage error: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const URL = env('RDV_URL');
const USER1 = env('RDV_USER1');
const PASSWORD1 = env('RDV_PASSWORD1');
const USER2 = env('RDV_USER2');
const PASSWORD2 = env('RDV_PASSWORD2');

// Note: the port's TimeZoneDefinition.CompareTransitions answers -1 for any two transitions (every one is an instance of
// TimeZoneTransition), so sorting a definition of more than one transition group reverses it and ToTimeZoneInfo
// throws "Cannot read properties of undefined (reading 'AddDays')" in GetServerTimeZones; Exchange's definitions of
// zones with dynamic rules (Eastern Standard Time) have several groups too. The C# library sorts the plain Transition
// first, then AbsoluteDateTransitions by date; the comparator is replaced by that one.
const { TimeZoneDefinition } = require('ews-javascript-api/js/ComplexProperties/TimeZones/TimeZoneDefinition');
TimeZoneDefinition.prototype.CompareTransitions = function compareTransitions(x, y) {
  const dated = (t) => t.DateTime !== undefined && t.DateTime !== null;
  if (x === y) return 0;
  if (!dated(x)) return dated(y) ? -1 : 0;
  if (!dated(y)) return 1;
  return ews.DateTime.Compare(x.DateTime, y.DateTime);
};

/** The items of an ews-javascript-api collection with Count and _getItem (ChangeCollection). */
function all(collection) {
  const items = [];
  for (let i = 0; i < collection.Count; i++) items.push(collection._getItem(i));
  return items;
}

if (process.env.RDV_DEBUG === '1') {
  ews.EwsLogging.DebugLogEnabled = true;
}

/**
 * An ExchangeService signed in with HTTP Basic, as an EWS Managed API app configures it.
 * Note: the service's zone is UTC, not the machine's: the port's TimeZoneInfo.Local refuses to convert a DateTime of
 * kind Utc ("DateTime Kind mismatch"), so every time the scripts use is a UTC instant in a UTC service.
 */
function service(user, password, version = ews.ExchangeVersion.Exchange2013_SP1) {
  const svc = new ews.ExchangeService(version, ews.TimeZoneInfo.Utc);
  svc.Credentials = new ews.WebCredentials(user, password);
  svc.Url = new ews.Uri(URL);
  return svc;
}

/** A short random tag put in every subject, so runs against the same mailboxes never see each other. */
function runId() {
  return Math.random().toString(16).slice(2, 14);
}

/** A fixed UTC time (month 1-12). */
function utc(year, month, day, hour = 0, minute = 0) {
  return new ews.DateTime(Date.UTC(year, month - 1, day, hour, minute), ews.DateTimeKind.Utc);
}

/** The instant of an ews.DateTime, in ms since the epoch, whatever its kind. */
function ms(dateTime) {
  return dateTime.TotalMilliSeconds;
}

function describe(error) {
  if (error === undefined || error === null) return String(error);
  const parts = [];
  if (error.constructor && error.constructor.name) parts.push(error.constructor.name);
  if (error.ErrorCode !== undefined && ews.ServiceError[error.ErrorCode]) parts.push(ews.ServiceError[error.ErrorCode]);
  parts.push(error.message || error.Message || String(error));
  return parts.join(': ').replace(/\s+/g, ' ').slice(0, 300);
}

class Steps {
  constructor() {
    this.results = new Map();
    this.failed = 0;
    this.passed = 0;
  }

  /** Runs one step; `needs` names earlier steps it depends on. The step's value is kept for later steps. */
  async step(name, fn, needs = []) {
    const missing = needs.filter((n) => !this.results.has(n) || this.results.get(n).failed);
    if (missing.length > 0) {
      this.fail(name, `not run: needs ${missing.join(', ')}`);
      return undefined;
    }
    try {
      const value = await fn();
      this.results.set(name, { failed: false, value });
      this.passed++;
      console.log(`ok ${name}`);
      return value;
    } catch (error) {
      this.fail(name, describe(error));
      if (process.env.RDV_DEBUG === '1' && error && error.stack) console.error(error.stack);
      return undefined;
    }
  }

  fail(name, reason) {
    this.results.set(name, { failed: true });
    this.failed++;
    console.log(`FAIL ${name}: ${reason}`);
  }

  value(name) {
    const result = this.results.get(name);
    return result ? result.value : undefined;
  }

  finish() {
    console.log(`# ${this.passed} ok, ${this.failed} failed`);
    process.exit(this.failed > 0 ? 1 : 0);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Polls `fn` until it returns a truthy value (delivery may be asynchronous on other servers). */
async function waitFor(fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Items of a folder (a WellKnownFolderName or a FolderId) whose subject contains `tag`. */
async function findByTag(svc, folder, tag, pageSize = 50) {
  const view = new ews.ItemView(pageSize);
  const filter = new ews.SearchFilter.ContainsSubstring(ews.ItemSchema.Subject, tag);
  const result = await svc.FindItems(folder instanceof ews.FolderId ? folder : new ews.FolderId(folder), filter, view);
  return result.Items;
}

/**
 * A raw EWS request, for what the library cannot send (an attendee's ProposedStart/ProposedEnd). Returns the
 * response text; throws on an HTTP status other than 200.
 */
async function rawEws(user, password, body, version = 'Exchange2013_SP1') {
  const envelope = '<?xml version="1.0" encoding="utf-8"?>'
    + '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    + `<s:Header><t:RequestServerVersion Version="${version}"/></s:Header><s:Body>${body}</s:Body></s:Envelope>`;
  const response = await fetch(URL, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') },
    body: envelope,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  if (!text.includes('ResponseClass="Success"')) throw new Error(`EWS error: ${(text.match(/<m:ResponseCode>([^<]*)</) || [])[1]} ${(text.match(/<m:MessageText>([^<]*)</) || [])[1] || ''}`);
  return text;
}

/** The properties of a master an app asks for (the first class set plus the recurrence fields). */
function masterProperties() {
  return new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [
    ews.AppointmentSchema.Recurrence, ews.AppointmentSchema.FirstOccurrence, ews.AppointmentSchema.LastOccurrence,
    ews.AppointmentSchema.ModifiedOccurrences, ews.AppointmentSchema.DeletedOccurrences, ews.AppointmentSchema.AppointmentType,
  ]);
}

/** The occurrences of `subject` in a CalendarView from..to, sorted by start. */
async function viewOf(svc, subject, from, to) {
  const found = await svc.FindAppointments(ews.WellKnownFolderName.Calendar, new ews.CalendarView(from, to));
  return found.Items.filter((a) => a.Subject === subject).sort((a, b) => ms(a.Start) - ms(b.Start));
}

/** A DateTime as UTC 'yyyy-MM-ddTHH:mm', to compare with a literal. */
function iso(dateTime) {
  return new Date(ms(dateTime)).toISOString().slice(0, 16);
}

module.exports = { ews, all, URL, USER1, PASSWORD1, USER2, PASSWORD2, service, runId, utc, ms, Steps, assert, equal, waitFor, findByTag, rawEws, masterProperties, viewOf, iso };
