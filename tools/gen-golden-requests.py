#!/usr/bin/env python3
"""Writes the golden round trips' requests, tests/data/golden/<Type>.request.xml (run it from the repository root):
for each item type a CreateItem may carry (Item, Message, CalendarItem, Contact, DistributionList, Task, PostItem), one
item element with every element of the type's xs:sequence (inherited ones first) that a client may set, each with a
sample value built from its schema type (tests/data/ews-schema/types.xsd). GoldenRoundTripTests creates each item,
reads it back with GetItem AllProperties and compares the result with <Type>.expected.xml.

Left out, as SKIPPED says: what the server computes or stamps (read-only: setting it is ErrorInvalidPropertySet), the
legacy MeetingTimeZone (an Exchange 2007 form of StartTimeZone), and MimeContent and Attachments (their own round
trips are the MIME and attachment tests). A few elements get values of their meaning instead of the type's sample
(OVERRIDES: times in order, real addresses, a known zone, a consistent task).

Usage: gen-golden-requests.py [SCHEMA_FOLDER [OUTPUT_FOLDER]]"""
import os, sys, xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'
T = 'http://schemas.microsoft.com/exchange/services/2006/types'
folder = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/ews-schema'
out = sys.argv[2] if len(sys.argv) > 2 else 'tests/data/golden'
root = ET.parse(os.path.join(folder, 'types.xsd')).getroot()
complex_types = {c.get('name'): c for c in root.findall(XS + 'complexType')}
simple_types = {s.get('name'): s for s in root.findall(XS + 'simpleType')}
groups = {g.get('name'): g for g in root.findall(XS + 'group')}
attribute_groups = {g.get('name'): g for g in root.findall(XS + 'attributeGroup')}

TYPES = [('ItemType', 'Item'), ('MessageType', 'Message'), ('CalendarItemType', 'CalendarItem'), ('ContactItemType', 'Contact'),
         ('DistributionListType', 'DistributionList'), ('TaskType', 'Task'), ('PostItemType', 'PostItem')]

# Read-only on this server (computed or stamped), per declaring element name; the same names on every type.
READ_ONLY = {
    'ItemId', 'ParentFolderId', 'DateTimeReceived', 'Size', 'IsSubmitted', 'IsDraft', 'IsFromMe', 'IsResend', 'IsUnmodified',
    'DateTimeSent', 'DateTimeCreated', 'ResponseObjects', 'DisplayCc', 'DisplayTo', 'HasAttachments', 'LastModifiedName',
    'LastModifiedTime', 'IsAssociated', 'TextBody', 'ReceivedBy', 'ReceivedRepresenting', 'DateTimeStamp', 'IsMeeting', 'IsCancelled', 'IsRecurring',
    'MeetingRequestWasSent', 'CalendarItemType', 'MyResponseType', 'Organizer', 'ConflictingMeetingCount', 'AdjacentMeetingCount',
    'Duration', 'AppointmentReplyTime', 'AppointmentSequenceNumber', 'AppointmentState', 'IsOrganizer', 'CompleteName',
    'IsComplete', 'Owner', 'StatusDescription',
}
# A master's occurrence fields are computed from its recurrence (issue 16), and an occurrence's original start is its pattern's.
READ_ONLY_PER_TYPE = {'MessageType': {'ConversationTopic'}, 'CalendarItemType': {
    'IntendedFreeBusyStatus', 'RecurrenceId', 'OriginalStart', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences', 'DeletedOccurrences'}}
SKIPPED = READ_ONLY | {'MeetingTimeZone', 'MimeContent', 'Attachments'}

ADDRESS = 'golden.recipient@example.org'
TIMES = {'Start': '2030-01-07T09:00:00Z', 'End': '2030-01-07T10:00:00Z', 'ReminderDueBy': '2030-01-07T08:45:00Z',
         'StartDate': '2030-01-06T00:00:00Z', 'DueDate': '2030-01-08T00:00:00Z', 'CompleteDate': '2020-01-02T03:04:05Z',
         'Birthday': '1990-05-06T11:59:00Z', 'WeddingAnniversary': '2015-07-08T11:59:00Z'}
NAMED = {'EmailAddress': ADDRESS, 'RoutingType': 'SMTP', 'MailboxType': 'OneOff'}  # a mailbox's parts, wherever one is
OVERRIDES = {  # element name -> XML of the element (t: prefix), for elements whose value has a meaning the sample lacks
    'StartTimeZone': '<t:StartTimeZone Id="Romance Standard Time"/>',
    'EndTimeZone': '<t:EndTimeZone Id="Romance Standard Time"/>',
    'ExtendedProperty': '<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="golden" '
                        'PropertyType="String"/><t:Value>golden value</t:Value></t:ExtendedProperty>',
    'Status': '<t:Status>Completed</t:Status>',
    'PercentComplete': '<t:PercentComplete>100</t:PercentComplete>',
    'ReminderMinutesBeforeStart': '<t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart>',
    'Culture': '<t:Culture>en-US</t:Culture>',
    # The first Monday of January: 2030-01-07, the item's Start, so the master stays where it is.
    'Recurrence': '<t:Recurrence><t:RelativeYearlyRecurrence><t:DaysOfWeek>Monday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex>'
                  '<t:Month>January</t:Month></t:RelativeYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence></t:Recurrence>',
}
ITEM_CLASS = {'Item': 'IPM.StickyNote', 'Message': 'IPM.Note', 'CalendarItem': 'IPM.Appointment', 'Contact': 'IPM.Contact',
              'DistributionList': 'IPM.DistList', 'Task': 'IPM.Task', 'PostItem': 'IPM.Post'}
SIMPLE = {'xs:string': 'sample', 'xs:int': '7', 'xs:long': '7', 'xs:short': '7', 'xs:unsignedInt': '7', 'xs:double': '1.5',
          'xs:float': '1.5', 'xs:decimal': '1.5', 'xs:boolean': 'true', 'xs:dateTime': '2030-01-07T09:00:00Z', 'xs:date': '2030-01-07',
          'xs:time': '09:00:00', 'xs:duration': 'PT1H', 'xs:base64Binary': 'AQID', 'xs:anyURI': 'http://example.org/golden',
          'xs:language': 'en-US', 'xs:unsignedByte': '7', 'xs:byte': '7', 'xs:integer': '7', 'xs:nonNegativeInteger': '7'}
PATTERNS = {'GuidType': '6f4ba5f8-0a28-4c6d-9b8e-41d4d2f6d5a1', 'PropertyTagType': '0x8001'}


def local(q):
    return q.split(':', 1)[1] if q and ':' in q else q


def simple_value(type_name, element):
    if element in TIMES and type_name == 'xs:dateTime':
        return TIMES[element]
    if element in NAMED:
        return NAMED[element]
    if type_name in SIMPLE:
        return SIMPLE[type_name] if type_name != 'xs:string' else f'sample {element}'
    name = local(type_name)
    if name in PATTERNS:
        return PATTERNS[name]
    s = simple_types.get(name)
    if s is None:
        raise SystemExit(f'no sample for simple type {type_name} ({element})')
    enums = [e.get('value') for e in s.iter(XS + 'enumeration')]
    if enums:
        return enums[0]
    restriction = s.find(XS + 'restriction')
    if restriction is not None:
        minimum = restriction.find(XS + 'minInclusive')
        if minimum is not None:
            return minimum.get('value')
        return simple_value(restriction.get('base'), element)
    union = s.find(XS + 'union')
    if union is not None:
        members = union.get('memberTypes')
        if members:
            return simple_value(members.split()[0], element)
        return simple_value(union.find('.//' + XS + 'restriction').get('base'), element)
    lst = s.find(XS + 'list')
    if lst is not None:
        return simple_value(lst.get('itemType'), element)
    raise SystemExit(f'no sample for simple type {type_name}')


def attributes(node, element):
    result = []
    for a in node.findall(XS + 'attribute'):
        if a.get('use') == 'required':
            result.append(f' {a.get("name")}="{simple_value(a.get("type"), a.get("name"))}"')
    for g in node.findall(XS + 'attributeGroup'):
        result += attributes(attribute_groups[local(g.get('ref'))], element)
    return result


def particle(node, depth, seen):
    """The XML of a model group (sequence, choice, group ref), each element once, a choice's first option."""
    tag = node.tag
    if tag == XS + 'sequence':
        return ''.join(particle(c, depth, seen) for c in node if c.tag in (XS + 'element', XS + 'sequence', XS + 'choice', XS + 'group'))
    if tag == XS + 'choice':
        options = [c for c in node if c.tag in (XS + 'element', XS + 'sequence', XS + 'group')]
        return particle(options[0], depth, seen) if options else ''
    if tag == XS + 'group':
        g = groups[local(node.get('ref'))]
        return ''.join(particle(c, depth, seen) for c in g if c.tag in (XS + 'sequence', XS + 'choice'))
    if tag == XS + 'element':
        if node.get('ref'):
            return ''
        if node.get('minOccurs') == '0' and depth > 3:
            return ''  # deep optional parts: the first levels show the structure
        return element(node.get('name'), node.get('type'), depth + 1, seen, node)
    return ''


def element(name, type_name, depth, seen, node=None):
    if name in OVERRIDES and depth <= 1:
        return OVERRIDES[name]
    if type_name is None and node is not None:
        inline = node.find(XS + 'complexType')
        return f'<t:{name}>' + content(inline, depth, seen)[1] + f'</t:{name}>' if inline is not None else f'<t:{name}>sample</t:{name}>'
    tname = local(type_name)
    if type_name.startswith('xs:') or tname in simple_types:
        return f'<t:{name}>{simple_value(type_name, name)}</t:{name}>'
    if tname in seen or depth > 8:
        return ''
    attrs, body = content(complex_types[tname], depth, seen | {tname})
    return f'<t:{name}{attrs}>{body}</t:{name}>' if body or attrs else f'<t:{name}/>'


def content(ctype, depth, seen):
    """(attributes, children or text) of a complex type, its base's first."""
    simple = ctype.find(XS + 'simpleContent')
    if simple is not None:
        ext = simple.find(XS + 'extension')
        base = ext.get('base')
        text = simple_value(base, 'text') if base.startswith('xs:') or local(base) in simple_types else content(complex_types[local(base)], depth, seen)[1]
        return ''.join(attributes(ext, None)), text
    complex_content = ctype.find(XS + 'complexContent')
    if complex_content is not None:
        ext = complex_content.find(XS + 'extension')
        ext = ext if ext is not None else complex_content.find(XS + 'restriction')
        base_attrs, base_body = content(complex_types[local(ext.get('base'))], depth, seen) if local(ext.get('base')) in complex_types else ('', '')
        own = ''.join(particle(c, depth, seen) for c in ext if c.tag in (XS + 'sequence', XS + 'choice', XS + 'group'))
        return base_attrs + ''.join(attributes(ext, None)), base_body + own
    body = ''.join(particle(c, depth, seen) for c in ctype if c.tag in (XS + 'sequence', XS + 'choice', XS + 'group'))
    return ''.join(attributes(ctype, None)), body


def chain(type_name):
    names = [type_name]
    while True:
        ext = complex_types[names[-1]].find('.//' + XS + 'extension')
        if ext is None:
            break
        names.append(local(ext.get('base')))
    return list(reversed(names))


os.makedirs(out, exist_ok=True)
for type_name, item in TYPES:
    parts = []
    for declaring in chain(type_name):
        ext = complex_types[declaring].find('.//' + XS + 'extension')
        sequence = (ext if ext is not None else complex_types[declaring]).find(XS + 'sequence')
        for e in ([] if sequence is None else sequence.findall(XS + 'element')):
            name = e.get('name')
            if name in SKIPPED or name in READ_ONLY_PER_TYPE.get(type_name, ()):
                continue
            if name == 'ItemClass':
                parts.append(f'<t:ItemClass>{ITEM_CLASS[item]}</t:ItemClass>')
                continue
            parts.append(element(name, e.get('type'), 1, {type_name}, e))
    text = f'<t:{item} xmlns:t="{T}">\n  ' + '\n  '.join(p for p in parts if p) + f'\n</t:{item}>\n'
    with open(os.path.join(out, f'{item}.request.xml'), 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    print(f'{item}: {len([p for p in parts if p])} elements')
