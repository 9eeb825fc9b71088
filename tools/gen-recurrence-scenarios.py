#!/usr/bin/env python3
"""Writes the scenario files of tests/data/recurrence that this project wrote (not the rfc5545-* ones, whose
expected dates are the RFC's, typed from its text): the dates by reading each pattern's definition one day at a time,
the UTC instants by Python's zoneinfo from the system's tz database, so that neither comes from the C# under test.

Usage: tools/gen-recurrence-scenarios.py   (from the repository root; rewrites those files, review the diff)"""
import os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'data', 'recurrence'))
import datetime as dt, calendar, sys
from zoneinfo import ZoneInfo
DAYS=['Monday','Tuesday','Wednesday','Thursday','Friday','Saturday','Sunday']
SETS={'Weekday':DAYS[:5],'WeekendDay':DAYS[5:],'Day':DAYS}
IDX={'First':1,'Second':2,'Third':3,'Fourth':4,'Last':5}
def dayset(s): 
    out=[]
    for p in s.split(','): out+=SETS.get(p,[p])
    return set(out)
def nth(y,m,days,index):
    ds=[dt.date(y,m,d) for d in range(1,calendar.monthrange(y,m)[1]+1) if DAYS[dt.date(y,m,d).weekday()] in days]
    return ds[-1] if index=='Last' else ds[IDX[index]-1]
def clamp(y,m,d): return dt.date(y,m,min(d,calendar.monthrange(y,m)[1]))
def matches(p,d,start):
    k=p['kind'];i=int(p.get('interval',1))
    if k=='Daily': return (d-start).days%i==0
    if k=='Weekly':
        fd=DAYS.index(p.get('firstday','Sunday'))
        ws=lambda x: x-dt.timedelta(days=(x.weekday()-fd)%7)
        return DAYS[d.weekday()] in dayset(p['days']) and ((ws(d)-ws(start)).days//7)%i==0
    months=(d.year*12+d.month)-(start.year*12+start.month)
    if k=='AbsoluteMonthly': return months%i==0 and d==clamp(d.year,d.month,int(p['day']))
    if k=='RelativeMonthly': return months%i==0 and d==nth(d.year,d.month,dayset(p['days']),p['index'])
    if k=='AbsoluteYearly': return d.month==int(p['month']) and d==clamp(d.year,d.month,int(p['day']))
    if k=='RelativeYearly': return d.month==int(p['month']) and d==nth(d.year,d.month,dayset(p['days']),p['index'])
def utc(local,z):
    # RFC 5545 3.3.5 / TimeZones.ToUtc: a gap time takes the offset before the gap, an ambiguous one its first reading.
    # zoneinfo's fold=0 is both: the offset before a gap, the first of two readings.
    return local.replace(tzinfo=z,fold=0).astimezone(dt.timezone.utc)
def write(name, comment, zone, start, end, pattern, rng, window=None, allday=False, limit=None, utcs='all'):
    z=ZoneInfo(zone); p=dict(kv.split('=') for kv in pattern.split()[1:]); p['kind']=pattern.split()[0]
    r=rng.split(); rk=r[0]; ra=dict(kv.split('=') for kv in r[1:])
    sd=dt.date.fromisoformat(ra['start'])
    ms=dt.datetime.fromisoformat(start); me=dt.datetime.fromisoformat(end)
    dur=utc(me,z)-utc(ms,z); alldays=(me.date()-ms.date()).days
    wf,wt=(dt.datetime.fromisoformat(window[0]),dt.datetime.fromisoformat(window[1])) if window else (None,None)
    last=dt.date.fromisoformat(ra['end']) if rk=='EndDate' else None
    def pattern_dates():
        d=sd; idx=0
        while True:
            if last and d>last: return
            if matches(p,d,sd):
                idx+=1
                if rk=='Numbered' and idx>int(ra['count']): return
                yield idx,d
            d+=dt.timedelta(days=1)
    occ=[]
    for idx,d in pattern_dates():
        s=dt.datetime.combine(d, dt.time() if allday else ms.time())
        su=utc(s,z); eu=utc(dt.datetime.combine(d+dt.timedelta(days=alldays),dt.time()),z) if allday else su+dur
        if wt and su>=utc(wt,z): break
        if wf is None or eu>utc(wf,z) or (eu==su and su>=utc(wf,z)): occ.append((idx,s,su))
    count=ra['count'] if rk=='Numbered' else str(sum(1 for _ in pattern_dates())) if rk=='EndDate' else 'none'
    with open(name,'w') as f:
        for c in comment.strip().splitlines(): f.write('# '+c+'\n')
        f.write(f'zone: {zone}\nstart: {start}\nend: {end}\n')
        if allday: f.write('allday: yes\n')
        f.write(f'pattern: {pattern}\nrange: {rng}\n')
        if window: f.write(f'window: {window[0]} {window[1]}\n')
        f.write(f'count: {count}\noccurrences:\n')
        for i,s,su in occ:
            f.write(f"{i} {s:%Y-%m-%dT%H:%M} {su:%Y-%m-%dT%H:%MZ}\n")
    print(name, len(occ), count)

MS='Microsoft, recurrence-patterns-and-ews.md, Table 1 (Examples): '
write('ms-swim-practice.txt', '''Microsoft, recurrence-patterns-and-ews.md: "The team has practice every Wednesday morning at 8:30 AM,
starting July 2, with the last practice being on August 6." (Table 4: Start July 2, 2014 8:30 AM, End 10:00 AM;
"the team will have a total of six practices"; the response shows <t:Start>2014-07-02T15:30:00Z</t:Start>, Pacific time).''',
 'America/Los_Angeles','2014-07-02T08:30','2014-07-02T10:00','Weekly interval=1 days=Wednesday','EndDate start=2014-07-02 end=2014-08-06')
write('ms-every-day.txt', MS+'"Repeat every day."', 'America/Los_Angeles','2026-01-05T08:00','2026-01-05T08:30','Daily interval=1','NoEnd start=2026-01-05', ('2026-01-10T00:00','2026-01-14T00:00'))
write('ms-every-other-day.txt', MS+'"Repeat every other day."', 'America/Los_Angeles','2026-01-05T08:00','2026-01-05T08:30','Daily interval=2','Numbered start=2026-01-05 count=6')
write('ms-tenth-of-month.txt', MS+'"Repeat every month on the tenth day of the month."', 'Europe/Paris','2026-01-10T14:00','2026-01-10T15:00','AbsoluteMonthly interval=1 day=10','NoEnd start=2026-01-10', ('2026-02-01T00:00','2026-08-01T00:00'))
write('ms-every-other-month-21st.txt', MS+'"Repeat every other month on the twenty-first day of the month."', 'Europe/Paris','2026-01-21T14:00','2026-01-21T15:00','AbsoluteMonthly interval=2 day=21','Numbered start=2026-01-21 count=6')
write('ms-second-tuesday.txt', MS+'"Repeat on the second Tuesday of every month."', 'Europe/Paris','2026-01-13T10:00','2026-01-13T11:00','RelativeMonthly interval=1 days=Tuesday index=Second','Numbered start=2026-01-13 count=12')
write('ms-third-thursday-every-three-months.txt', MS+'"Repeat on the third Thursday of the month every three months."', 'Europe/Paris','2026-01-15T10:00','2026-01-15T11:00','RelativeMonthly interval=3 days=Thursday index=Third','Numbered start=2026-01-15 count=6')
write('ms-first-monday-of-august.txt', MS+'"Repeat on the first Monday of August every year."', 'America/New_York','2026-08-03T12:00','2026-08-03T13:00','RelativeYearly days=Monday index=First month=8','Numbered start=2026-08-03 count=6')
write('ms-every-monday.txt', MS+'"Repeat every Monday."', 'America/New_York','2026-01-05T09:00','2026-01-05T09:30','Weekly interval=1 days=Monday','NoEnd start=2026-01-05', ('2026-02-23T00:00','2026-03-24T00:00'))
write('ms-tuesday-thursday-every-other-week.txt', MS+'"Repeat every Tuesday and Thursday every other week."', 'America/New_York','2026-01-06T09:00','2026-01-06T09:30','Weekly interval=2 days=Tuesday,Thursday','EndDate start=2026-01-06 end=2026-03-31')
write('ms-september-first.txt', MS+'"Repeat on September 1st every year."', 'Australia/Sydney','2026-09-01T09:00','2026-09-01T10:00','AbsoluteYearly day=1 month=9','Numbered start=2026-09-01 count=5')

write('paris-weekly-across-both-changes.txt', '''A 09:00 Europe/Paris weekly series keeps 09:00 local across both of 2030's changes (March 31, October 27):
UTC moves from 08:00 to 07:00 and back.''', 'Europe/Paris','2030-03-18T09:00','2030-03-18T10:00','Weekly interval=1 days=Monday','NoEnd start=2030-03-18', ('2030-03-18T00:00','2030-04-09T00:00'))
write('paris-weekly-autumn.txt', 'The same series in the autumn: 07:00Z until October 21, 08:00Z from October 28.', 'Europe/Paris','2030-03-18T09:00','2030-03-18T10:00','Weekly interval=1 days=Monday','NoEnd start=2030-03-18', ('2030-10-14T00:00','2030-11-05T00:00'))
write('paris-daily-in-the-gap.txt', '''Daily at 02:30, Europe/Paris, across 2030-03-31 when clocks go from 02:00 to 03:00: that day's 02:30 does not
exist and is read with the offset before the gap (03:30 CEST, 01:30Z), as TimeZones.ToUtc and RFC 5545 3.3.5 do.''', 'Europe/Paris','2030-03-29T02:30','2030-03-29T03:00','Daily interval=1','Numbered start=2030-03-29 count=5')
write('paris-daily-fall-back.txt', '''Daily at 02:30, Europe/Paris, across 2030-10-27 when clocks go from 03:00 back to 02:00: that day's 02:30 happens
twice and is the first of the two (CEST, 00:30Z).''', 'Europe/Paris','2030-10-25T02:30','2030-10-25T03:00','Daily interval=1','Numbered start=2030-10-25 count=5')
write('newyork-sunday-in-the-gap.txt', 'Weekly on Sunday at 02:30, America/New_York, across 2030-03-10 (02:00 -> 03:00).', 'America/New_York','2030-02-24T02:30','2030-02-24T03:30','Weekly interval=1 days=Sunday','Numbered start=2030-02-24 count=4')
write('newyork-sunday-fall-back.txt', 'Weekly on Sunday at 01:30, America/New_York, across 2030-11-03 (02:00 -> 01:00): the first 01:30 (EDT).', 'America/New_York','2030-10-20T01:30','2030-10-20T02:00','Weekly interval=1 days=Sunday','Numbered start=2030-10-20 count=4')
write('sydney-first-sunday-0230.txt', '''The first Sunday of every month at 02:30, Australia/Sydney: 2030-04-07 (03:00 AEDT -> 02:00 AEST, 02:30 twice: the
first, 15:30Z the day before) and 2030-10-06 (02:00 -> 03:00: 02:30 does not exist, 16:30Z the day before). The
UTC day differs from the local day, which IndexOf must still find.''', 'Australia/Sydney','2030-03-03T02:30','2030-03-03T03:00','RelativeMonthly interval=1 days=Sunday index=First','Numbered start=2030-03-03 count=9')
write('sydney-weekly-both-changes.txt', 'Weekly on Wednesday at 09:00, Australia/Sydney, over 2030: 22:00Z the day before in summer (AEDT), 23:00Z in winter.', 'Australia/Sydney','2030-01-02T09:00','2030-01-02T10:00','Weekly interval=1 days=Wednesday','EndDate start=2030-01-02 end=2030-12-31', ('2030-03-25T00:00','2030-04-20T00:00'))
write('newyork-2006-old-rules.txt', '''A zone's rule change: America/New_York moved DST's start from April's first Sunday to March's second Sunday in 2007
(Energy Policy Act of 2005). A Monday 09:00 weekly series from 2006: in 2006 it is 14:00Z until April 3 (DST began
April 2); the next file shows 2007.''', 'America/New_York','2006-02-27T09:00','2006-02-27T10:00','Weekly interval=1 days=Monday','EndDate start=2006-02-27 end=2007-04-30', ('2006-03-06T00:00','2006-04-11T00:00'))
write('newyork-2007-new-rules.txt', '''The same series in 2007, under the new rules: 13:00Z from March 12 (DST began March 11).''', 'America/New_York','2006-02-27T09:00','2006-02-27T10:00','Weekly interval=1 days=Monday','EndDate start=2006-02-27 end=2007-04-30', ('2007-03-01T00:00','2007-04-11T00:00'))
write('moscow-offset-changes.txt', '''A zone whose offset itself changed: Europe/Moscow was +03 (winter) until March 2011, +04 all year from then, +03
from October 26, 2014. A yearly January 15 09:00 series: 06:00Z, 06:00Z, 05:00Z, 05:00Z, 05:00Z, 06:00Z, 06:00Z.''', 'Europe/Moscow','2010-01-15T09:00','2010-01-15T10:00','AbsoluteYearly day=15 month=1','Numbered start=2010-01-15 count=7')
write('sydney-2008-rule-change.txt', '''Australia/Sydney ended DST on March's last Sunday until 2007 and on April's first Sunday from 2008. A Monday 09:00
weekly series: 2007-03-26 is already AEST (23:00Z the day before), 2008-03-31 still AEDT (22:00Z).''', 'Australia/Sydney','2007-03-19T09:00','2007-03-19T10:00','Weekly interval=1 days=Monday','NoEnd start=2007-03-19', ('2008-03-24T00:00','2008-04-15T00:00'))

write('month-31st.txt', '''AbsoluteMonthly on day 31: a month of fewer days has it on its last day (dayofmonth.md: "If for a particular month this
value is larger than the number of days in the month, the last day of the month is assumed"; RFC 5545 would skip
those months instead). February 2032 is a leap month.''', 'Europe/Paris','2031-01-31T10:00','2031-01-31T11:00','AbsoluteMonthly interval=1 day=31','Numbered start=2031-01-31 count=14')
write('month-30th-every-other.txt', 'AbsoluteMonthly on day 30 every other month, from December 2030: February gets its last day.', 'UTC','2030-12-30T10:00','2030-12-30T11:00','AbsoluteMonthly interval=2 day=30','Numbered start=2030-12-30 count=7')
write('february-29-yearly.txt', '''AbsoluteYearly on February 29: in common years the last day of February, the 28th (dayofmonth.md's rule;
RFC 5545 would give leap years only).''', 'America/New_York','2028-02-29T12:00','2028-02-29T13:00','AbsoluteYearly day=29 month=2','Numbered start=2028-02-29 count=9')
write('last-weekday-of-month.txt', 'RelativeMonthly: the Last Weekday of every month.', 'Europe/Paris','2030-01-31T17:00','2030-01-31T18:00','RelativeMonthly interval=1 days=Weekday index=Last','Numbered start=2030-01-01 count=12')
write('first-weekend-day-of-month.txt', 'RelativeMonthly: the First WeekendDay of every month.', 'Europe/Paris','2030-01-05T10:00','2030-01-05T12:00','RelativeMonthly interval=1 days=WeekendDay index=First','Numbered start=2030-01-01 count=6')
write('last-day-of-month.txt', 'RelativeMonthly: the Last Day (any day) of every month: the month\'s last day, February included.', 'UTC','2030-01-31T10:00','2030-01-31T11:00','RelativeMonthly interval=1 days=Day index=Last','Numbered start=2030-01-01 count=6')
write('fourth-weekday-every-two-months.txt', 'RelativeMonthly: the Fourth Weekday every two months.', 'UTC','2030-01-04T10:00','2030-01-04T11:00','RelativeMonthly interval=2 days=Weekday index=Fourth','Numbered start=2030-01-01 count=6')
write('last-friday-of-november.txt', 'RelativeYearly: the Last Friday of November.', 'America/New_York','2030-11-29T08:00','2030-11-29T09:00','RelativeYearly days=Friday index=Last month=11','Numbered start=2030-01-01 count=5')
write('yearly-month-before-start.txt', '''AbsoluteYearly on March 3 with a StartDate of 2030-06-01: that year's March 3 is before the range starts, so the
first occurrence is 2031-03-03.''', 'UTC','2030-06-01T10:00','2030-06-01T11:00','AbsoluteYearly day=3 month=3','Numbered start=2030-06-01 count=3')

write('start-not-on-pattern.txt', '''The master's Start (Tuesday 2030-01-01 10:00) is not on the pattern (Monday and Wednesday): the first occurrence is
the first pattern day on or after the range's StartDate, at the master's time of day.''', 'Europe/Paris','2030-01-01T10:00','2030-01-01T11:00','Weekly interval=1 days=Monday,Wednesday firstday=Monday','Numbered start=2030-01-01 count=4')
write('monthly-start-after-the-day.txt', '''AbsoluteMonthly on day 10 every two months, StartDate 2030-01-20: January's 10th is before StartDate; the next
month of the pattern is March, two months from StartDate's month (the months an Interval counts are StartDate's
month and every Interval months after: as RFC 5545 counts from DTSTART; not confirmed against Exchange).''', 'UTC','2030-01-20T10:00','2030-01-20T11:00','AbsoluteMonthly interval=2 day=10','Numbered start=2030-01-20 count=3')
write('weekly-interval-2-first-day-monday.txt', '''Weekly every two weeks on Sunday and Tuesday from Saturday 2030-01-05, weeks starting Monday: the first week is
Monday 2029-12-31 to Sunday 2030-01-06, so Sunday January 6 is in it.''', 'UTC','2030-01-05T10:00','2030-01-05T11:00','Weekly interval=2 days=Sunday,Tuesday firstday=Monday','Numbered start=2030-01-05 count=6')
write('weekly-interval-2-first-day-sunday.txt', '''The same with weeks starting Sunday: the first week is Sunday 2029-12-30 to Saturday 2030-01-05 (nothing on or after
StartDate), so the first occurrence is in the week of Sunday 2030-01-13.''', 'UTC','2030-01-05T10:00','2030-01-05T11:00','Weekly interval=2 days=Sunday,Tuesday firstday=Sunday','Numbered start=2030-01-05 count=6')
write('allday-daily-paris-spring.txt', 'An all-day daily series in Europe/Paris: each occurrence is a local day, 2030-03-31 one of 23 hours.', 'Europe/Paris','2030-03-30T00:00','2030-03-31T00:00','Daily interval=1','Numbered start=2030-03-30 count=3', allday=True)
write('allday-two-days-weekly.txt', 'An all-day series of two days every Friday, America/New_York, across 2030-11-03.', 'America/New_York','2030-10-25T00:00','2030-10-27T00:00','Weekly interval=1 days=Friday','Numbered start=2030-10-25 count=3', allday=True)
write('evening-across-midnight.txt', '''Daily 23:00 to 01:00: a window from midnight gets the occurrence that started the evening before.''', 'Europe/Paris','2030-05-01T23:00','2030-05-02T01:00','Daily interval=1','NoEnd start=2030-05-01', ('2030-05-10T00:00','2030-05-11T00:00'))
write('daily-50-years-on.txt', 'A NoEnd daily series asked for a week 50 years after its start.', 'Europe/Paris','2030-01-01T09:00','2030-01-01T09:30','Daily interval=1','NoEnd start=2030-01-01', ('2080-06-03T00:00','2080-06-10T00:00'))
write('weekly-every-3-weeks-50-years-on.txt', 'A NoEnd series every three weeks on Monday and Thursday, weeks from Monday, asked for a month 50 years on.', 'America/New_York','2026-01-05T09:00','2026-01-05T10:00','Weekly interval=3 days=Monday,Thursday firstday=Monday','NoEnd start=2026-01-05', ('2076-03-01T00:00','2076-04-01T00:00'))
write('second-tuesday-50-years-on.txt', 'A NoEnd second-Tuesday series asked for three months 50 years on.', 'Australia/Sydney','2026-01-13T09:00','2026-01-13T10:00','RelativeMonthly interval=1 days=Tuesday index=Second','NoEnd start=2026-01-13', ('2076-03-01T00:00','2076-06-01T00:00'))
