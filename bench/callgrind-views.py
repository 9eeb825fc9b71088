#!/usr/bin/env python3
"""Instructions per request of the calendar-view and free/busy workloads, counted by valgrind's callgrind, which the
other work on a shared machine does not move (issue 16's targets, 3 December: docs/benchmarks.md).

Usage: bench/callgrind-views.py LABEL RDV_DLL PORT SEED_DIR [OUT_DIR]
  SEED_DIR is a data folder the load generator seeded and kept:
    dotnet bench/Rendezvous.Bench.Load/bin/Release/net10.0/Rendezvous.Bench.Load.dll --quick --work DIR --keep \
      calendarview calendarview-recurring calendarview-recurring-3000 availability availability-recurring
  N (environment, default 20): requests per workload. The server runs under callgrind (full JIT at once, no tiering,
  so the code counted is the same in every run), signs each user in and warms every path, then counts each workload's
  N requests (weeks spread over the calendar, as the load generator's rotation), one at a time; the instructions of an
  idle period before and after give the background rate (the notification hub's polls), taken off each figure.
  WORKLOADS (environment, comma-separated): which to count; default the views and free/busy above. `getitem` is the
  load generator's GetItem (one calendar item of cal@bench.test, its ten properties; ids from a FindItem, rotated), sent
  over one kept-alive connection as the load generator sends it, so its figure is a request's and not a connection's.
  The server's environment is this one's: RDV_NO_REQUEST_LOG=true reaches `rdv serve` as --no-request-log does.
  DOTNET_PerfMapEnabled=1 (environment): the JIT's perf map names the managed code callgrind sees as bare addresses;
  OUT_DIR/LABEL/WORKLOAD.self.txt then lists instructions a request by method, to compare two builds
  method by method (the runtime's own native code, libcoreclr, has no symbols: its lines stay addresses).
  bench/callgrind-views.py --symbolize CG_FILE PERF_MAP OUT_DIR N makes those lists for a dump already taken.
"""
import sys, subprocess, time, base64, urllib.request, os, glob, datetime, shutil, http.client, re
def symbolize(name, cg, perfmap, out, N):
    """OUT/NAME.self.txt: instructions a request by method (each instruction's address looked up in the JIT's perf map;
    native code by its library), from a dump made with --dump-instr=yes."""
    import bisect
    ranges = []
    for line in open(perfmap, errors="replace"):
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) == 3:
            ranges.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
    ranges.sort(); starts = [r[0] for r in ranges]
    def lookup(addr):
        # The smallest range holding the address: stub blocks are reported whole and then piece by piece.
        i = bisect.bisect_right(starts, addr) - 1; best = None
        while i >= 0 and addr - ranges[i][0] < 0x100000:
            if addr < ranges[i][0] + ranges[i][1] and (best is None or ranges[i][1] < best[1]): best = ranges[i]
            i -= 1
        return best[2] if best else None
    objects = {}; ob = "?"; after_call = False; addr = 0; costs = {}
    for line in open(cg, errors="replace"):
        c = line[0]
        if c.isdigit() or c in "+-*":
            parts = line.split()
            if len(parts) < 3: continue
            p = parts[0]
            if p.startswith("0x"): addr = int(p, 16)
            elif p[0] == "+": addr += int(p[1:], 16) if p[1:].startswith("0x") else int(p[1:])
            elif p[0] == "-": addr -= int(p[1:], 16) if p[1:].startswith("0x") else int(p[1:])
            if after_call: after_call = False; continue
            ir = int(parts[-1]) if len(parts) == 3 else int(parts[2])
            key = (ob, addr)
            costs[key] = costs.get(key, 0) + ir
        elif line.startswith("ob="):
            m = re.match(r"ob=\((\d+)\)\s*(.*)", line.strip())
            if m:
                if m.group(2): objects[m.group(1)] = m.group(2)
                ob = objects.get(m.group(1), "?")
        elif line.startswith("cob="):
            # A name given where it is first called from; the current object stays.
            m = re.match(r"cob=\((\d+)\)\s*(.*)", line.strip())
            if m and m.group(2): objects[m.group(1)] = m.group(2)
        elif line.startswith("calls="):
            after_call = True
    by = {}
    for (o, a), ir in costs.items():
        fn = lookup(a) if o == "???" or o == "?" else None
        fn = fn or (f"[{os.path.basename(o)}]" if o not in ("???", "?") else f"[jit {a:#x}]")
        by[fn] = by.get(fn, 0) + ir
    with open(f"{out}/{name}.self.txt", "w") as f:
        f.write(f"{sum(by.values()) / N:12.0f}  TOTAL (instructions a request)\n")
        for fn, ir in sorted(by.items(), key=lambda x: -x[1]):
            if ir / N >= 100: f.write(f"{ir / N:12.0f}  {fn}\n")
if sys.argv[1] == "--symbolize":
    # bench/callgrind-views.py --symbolize CG_FILE PERF_MAP OUT_DIR N: the same lists for a run already made.
    symbolize("run", sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])); sys.exit(0)
label, dll, port, seed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
work = sys.argv[5] if len(sys.argv) > 5 else "/tmp/rdv-callgrind"
out = f"{work}/{label}"
os.makedirs(out, exist_ok=True)
for f in glob.glob(out + "/cg*"): os.remove(f)
data = f"{work}/data-{label}"
shutil.rmtree(data, ignore_errors=True); shutil.copytree(seed, data)
env = dict(os.environ, DOTNET_TieredCompilation="0", DOTNET_gcServer="0", DOTNET_EnableWriteXorExecute="0")
# With the perf map, costs by instruction: a JIT-compiled method is called through precode stubs and jumped into,
# so callgrind's functions (entered by a call) would charge it to the stub; each instruction's address is its method's.
by_instr = ["--dump-instr=yes"] if os.environ.get("DOTNET_PerfMapEnabled") == "1" else []
server = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", *by_instr, f"--callgrind-out-file={out}/cg.%p", "dotnet", dll, "serve", "--data", data, "--urls", f"http://127.0.0.1:{port}"],
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
def envelope(inner):
    return f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>{inner}</s:Body></s:Envelope>'.encode()
kept = None
def post_kept(user, data):
    global kept
    if kept is None: kept = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
    kept.request("POST", "/EWS/Exchange.asmx", body=data, headers={"Content-Type": "text/xml; charset=utf-8",
        "Authorization": "Basic " + base64.b64encode(f"{user}:bench-password".encode()).decode()})
    r = kept.getresponse().read()
    assert b'ResponseClass="Error"' not in r, r[:500]
    return r
item_ids = []
def getitem(k):
    global item_ids
    if not item_ids:
        r = post_kept("cal@bench.test", envelope('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="1000" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'))
        item_ids = re.findall(rb'<t:ItemId Id="([^"]+)"', r)
        assert item_ids, r[:500]
    r = post_kept("cal@bench.test", envelope(f'<m:GetItem>{shape}<m:ItemIds><t:ItemId Id="{item_ids[(k * 37) % len(item_ids)].decode()}"/></m:ItemIds></m:GetItem>'))
    return r.count(b"<t:CalendarItem")
def call(user, week):
    if user == "getitem":
        return getitem(week)
    if isinstance(user, list):
        data = fb(user, week % 20); user = user[0]
    else:
        data = body(week)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/EWS/Exchange.asmx", data=data, method="POST",
        headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": "Basic " + base64.b64encode(f"{user}:bench-password".encode()).decode()})
    r = urllib.request.urlopen(req, timeout=600).read()
    assert b'ResponseClass="Error"' not in r, r[:500]
    return r.count(b"<t:CalendarItem") + r.count(b"<CalendarEvent>") + r.count(b"<t:CalendarEvent>")
users = {"calendarview": "cal@bench.test", "calendarview-recurring": "rec@bench.test", "calendarview-recurring-3000": "rec3000@bench.test",
         "availability": [f"fb-{i:02}@bench.test" for i in range(20)], "availability-recurring": [f"fbr-{i:02}@bench.test" for i in range(20)],
         "getitem": "getitem"}
chosen = os.environ.get("WORKLOADS", "calendarview,calendarview-recurring,calendarview-recurring-3000,availability,availability-recurring").split(",")
users = {name: users[name] for name in chosen}
# wait for the server (under valgrind it takes a while to start); `users` must exist before (a NameError here was
# caught as "not up yet", so every run waited the whole 600 s)
for i in range(600):
    try:
        call(next(iter(users.values())), 0); break
    except (OSError, http.client.HTTPException):
        time.sleep(1)
N = int(os.environ.get("N", "20"))
# warm: each user's sign-in and every code path, twice over, and every week that is counted (a week's first request
# can JIT code no other week ran, such as the first exception materialised: 2 M instructions a view on 3 December)
for w in users.values():
    for k in range(3 if w != "getitem" else 200): call(w, k)
    if w != "getitem":
        for k in range(N): call(w, (7 * k) % 140)
def ctl(*a): subprocess.run(["callgrind_control", *a, str(server.pid)], stdout=subprocess.DEVNULL)
ctl("-i", "on")
results = {}; elapsed = {}
def idle(name):
    ctl("-z"); t = time.time(); time.sleep(8); ctl("-d", name); elapsed[name] = time.time() - t; results[name] = 0
idle("idle1")
for name, user in users.items():
    ctl("-z"); t = time.time()
    entries = sum(call(user, (7 * k) % 140 if user != "getitem" else k) for k in range(N))
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
perfmap = f"/tmp/perf-{server.pid}.map"
for name, entries in results.items():
    if name.startswith("idle"): continue
    if os.path.exists(perfmap):
        cg = [f for f in glob.glob(out + "/cg.*") if open(f).read(4000).find(f"Trigger: dump {name}\n") >= 0]
        if cg: symbolize(name, cg[0], perfmap, out, N)
    net = totals[name] - rate * elapsed[name]
    if name == "getitem":
        print(f"{label} {name}: {totals[name] / N / 1e6:.3f} M instructions a request, {net / N / 1e6:.3f} M less the idle rate over {elapsed[name]:.1f} s")
    else:
        print(f"{label} {name}: {entries / N:.1f} entries a view, {totals[name] / N / 1e6:.2f} M instructions a view, {net / N / 1e6:.2f} M less the idle rate over {elapsed[name]:.1f} s")
