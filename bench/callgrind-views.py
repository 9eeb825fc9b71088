#!/usr/bin/env python3
"""Instructions per request of the calendar-view and free/busy workloads, counted by valgrind's callgrind, which the
other work on a shared machine does not move (issue 16's targets, 3 December: docs/benchmarks.md).

Usage: bench/callgrind-views.py LABEL RDV_DLL PORT SEED_DIR [OUT_DIR]
  SEED_DIR is a data folder the load generator seeded and kept:
    dotnet bench/Rendezvous.Bench.Load/bin/Release/net10.0/Rendezvous.Bench.Load.dll --quick --work DIR --keep \
      calendarview calendarview-recurring calendarview-recurring-3000 availability availability-recurring
  N (environment, default 20): requests per workload; WORKLOADS (environment, comma-separated): only those. The server runs under callgrind (full JIT at once, no tiering,
  so the code counted is the same in every run), signs each user in and warms every path, then counts each workload's
  N requests (weeks spread over the calendar, as the load generator's rotation), one at a time; the instructions of an
  idle period before and after give the background rate (the notification hub's polls), taken off each figure.
"""
import sys, subprocess, time, base64, urllib.request, os, glob, datetime, shutil
label, dll, port, seed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
work = sys.argv[5] if len(sys.argv) > 5 else "/tmp/rdv-callgrind"
out = f"{work}/{label}"
os.makedirs(out, exist_ok=True)
for f in glob.glob(out + "/cg*"): os.remove(f)
data = f"{work}/data-{label}"
shutil.rmtree(data, ignore_errors=True); shutil.copytree(seed, data)
env = dict(os.environ, DOTNET_TieredCompilation="0", DOTNET_gcServer="0", DOTNET_EnableWriteXorExecute="0")
server = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.%p", "dotnet", dll, "serve", "--data", data, "--urls", f"http://127.0.0.1:{port}"],
                          env=env, stdout=open(out + "/server.log", "w"), stderr=subprocess.STDOUT)
props = ["item:Subject", "item:Sensitivity", "calendar:Start", "calendar:End", "calendar:Location", "calendar:IsAllDayEvent", "calendar:LegacyFreeBusyStatus", "calendar:IsMeeting", "calendar:MyResponseType", "calendar:Organizer"]
shape = "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>" + "".join(f'<t:FieldURI FieldURI="{p}"/>' for p in props) + "</t:AdditionalProperties></m:ItemShape>"
first = datetime.datetime(2031, 1, 6)
def body(week):
    s = first + datetime.timedelta(days=7 * week); e = s + datetime.timedelta(days=7)
    f = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'''<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body><m:FindItem Traversal="Shallow">{shape}<m:CalendarView StartDate="{f(s)}" EndDate="{f(e)}"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem></s:Body></s:Envelope>'''.encode()
def fb(users, week):
    s = first + datetime.timedelta(days=7 * week); e = s + datetime.timedelta(days=7)
    f = lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")
    tz = "<t:TimeZone><t:Bias>0</t:Bias><t:StandardTime><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>0</t:DayOrder><t:Month>0</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime><t:DaylightTime><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>0</t:DayOrder><t:Month>0</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone>"
    mbx = "".join(f"<t:MailboxData><t:Email><t:Address>{m}</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType><t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>" for m in users)
    return f'''<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body><m:GetUserAvailabilityRequest>{tz}<m:MailboxDataArray>{mbx}</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>{f(s)}</t:StartTime><t:EndTime>{f(e)}</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>30</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>DetailedMerged</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest></s:Body></s:Envelope>'''.encode()
def call(user, week):
    if isinstance(user, list):
        data = fb(user, week % 20); user = user[0]
    else:
        data = body(week)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/EWS/Exchange.asmx", data=data, method="POST",
        headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": "Basic " + base64.b64encode(f"{user}:bench-password".encode()).decode()})
    r = urllib.request.urlopen(req, timeout=600).read()
    assert b'ResponseClass="Error"' not in r, r[:500]
    return r.count(b"<t:CalendarItem") + r.count(b"<CalendarEvent>") + r.count(b"<t:CalendarEvent>")
for i in range(600):
    try:
        call("rec@bench.test", 0); break
    except Exception as ex:
        time.sleep(1)
users = {"calendarview": "cal@bench.test", "calendarview-recurring": "rec@bench.test", "calendarview-recurring-3000": "rec3000@bench.test",
         "availability": [f"fb-{i:02}@bench.test" for i in range(20)], "availability-recurring": [f"fbr-{i:02}@bench.test" for i in range(20)]}
if os.environ.get("WORKLOADS"):
    users = {k: v for k, v in users.items() if k in os.environ["WORKLOADS"].split(",")}
N = int(os.environ.get("N", "20"))
# warm: each user's sign-in and every code path, twice over
for w in users.values():
    for k in range(3): call(w, k)
def ctl(*a): subprocess.run(["callgrind_control", *a, str(server.pid)], stdout=subprocess.DEVNULL)
ctl("-i", "on")
results = {}; elapsed = {}
def idle(name):
    ctl("-z"); t = time.time(); time.sleep(8); ctl("-d", name); elapsed[name] = time.time() - t; results[name] = 0
idle("idle1")
for name, user in users.items():
    ctl("-z"); t = time.time()
    entries = sum(call(user, (7 * k) % 140) for k in range(N))
    ctl("-d", name); elapsed[name] = time.time() - t
    results[name] = entries
idle("idle2")
time.sleep(2)
ctl("-i", "off")
server.terminate(); server.wait(timeout=120)
totals = {}
for name, entries in results.items():
    files = [f for f in glob.glob(out + "/cg.*") if open(f).read(4000).find(f"Trigger: dump {name}\n") >= 0]
    total = 0
    for f in files:
        for line in open(f):
            if line.startswith("summary:") or line.startswith("totals:"):
                total = max(total, int(line.split()[1]))
    totals[name] = total
rate = (totals["idle1"] + totals["idle2"]) / (elapsed["idle1"] + elapsed["idle2"])
print(f"{label} idle: {rate / 1e6:.2f} M instructions a second")
for name, entries in results.items():
    if name.startswith("idle"): continue
    net = totals[name] - rate * elapsed[name]
    print(f"{label} {name}: {entries / N:.1f} entries a view, {totals[name] / N / 1e6:.2f} M instructions a view, {net / N / 1e6:.2f} M less the idle rate over {elapsed[name]:.1f} s")
