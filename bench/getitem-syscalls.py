#!/usr/bin/env python3
"""System calls, context switches and CPU time a GetItem, counted by perf stat on the server (the counts do not move
with other load on the machine, unlike time): the request log's cost in the kernel (issue 19 §6, docs/benchmarks.md).

Usage: bench/getitem-syscalls.py LABEL RDV_DLL PORT [SEED_DIR]
  SEED_DIR (default /tmp/wtF-seed): a data folder the load generator seeded and kept (`--quick --work DIR --keep getitem`).
  N (environment, default 3000): GetItems counted, after 2,000 unmeasured, one at a time on one kept-alive connection.
  The server's environment is this one's: RDV_NO_REQUEST_LOG=true reaches `rdv serve`.
"""
import sys, subprocess, time, base64, os, http.client, re, shutil
label, dll, port = sys.argv[1], sys.argv[2], sys.argv[3]
data = f"/tmp/rdv-syscalls-{label}"; shutil.rmtree(data, ignore_errors=True); shutil.copytree(sys.argv[4] if len(sys.argv) > 4 else "/tmp/wtF-seed", data)
server = subprocess.Popen(["dotnet", dll, "serve", "--data", data, "--urls", f"http://127.0.0.1:{port}"], stdout=open(f"/tmp/rdv-syscalls-{label}.log", "w"), stderr=subprocess.STDOUT)
props = ["item:Subject", "item:Sensitivity", "calendar:Start", "calendar:End", "calendar:Location", "calendar:IsAllDayEvent", "calendar:LegacyFreeBusyStatus", "calendar:IsMeeting", "calendar:MyResponseType", "calendar:Organizer"]
shape = "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>" + "".join(f'<t:FieldURI FieldURI="{p}"/>' for p in props) + "</t:AdditionalProperties></m:ItemShape>"
env = lambda inner: f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>{inner}</s:Body></s:Envelope>'.encode()
auth = {"Content-Type": "text/xml; charset=utf-8", "Authorization": "Basic " + base64.b64encode(b"cal@bench.test:bench-password").decode()}
for i in range(300):
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600); c.request("GET", "/health/live"); c.getresponse().read(); break
    except Exception: time.sleep(1)
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
def post(b):
    c.request("POST", "/EWS/Exchange.asmx", body=b, headers=auth); r = c.getresponse().read(); assert b'ResponseClass="Error"' not in r, r[:300]; return r
r = post(env('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="1000" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'))
ids = re.findall(rb'<t:ItemId Id="([^"]+)"', r)
bodies = [env(f'<m:GetItem>{shape}<m:ItemIds><t:ItemId Id="{i.decode()}"/></m:ItemIds></m:GetItem>') for i in ids]
N = int(os.environ.get("N", "3000"))
for k in range(2000): post(bodies[k % len(bodies)])
stat = subprocess.Popen(["perf", "stat", "-x,", "-e", "task-clock,context-switches,syscalls:sys_enter_write,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait", "-p", str(server.pid)], stderr=subprocess.PIPE, text=True)
time.sleep(0.5)
def cpu():
    f = open(f"/proc/{server.pid}/stat").read().split(")")[1].split(); return int(f[11]), int(f[12])
u0, s0 = cpu(); t = time.time()
for k in range(N): post(bodies[(k * 7) % len(bodies)])
u1, s1 = cpu(); el = time.time() - t
time.sleep(0.5); stat.send_signal(2); err = stat.communicate()[1]
hz = os.sysconf("SC_CLK_TCK")
print(f"{label}: {N} GetItems in {el:.1f}s; server utime {1e6 * (u1 - u0) / hz / N:.0f} us, stime {1e6 * (s1 - s0) / hz / N:.0f} us a request (load {open('/proc/loadavg').read().split()[0]})")
for line in err.strip().splitlines():
    p = line.split(",")
    if len(p) > 2 and p[0].replace(".", "").isdigit(): print(f"  {p[2]}: {float(p[0]) / N:.2f} a request" + (" (ms)" if p[2] == "task-clock" else ""))
server.terminate(); server.wait(60)
