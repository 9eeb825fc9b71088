#!/usr/bin/env python3
"""Regenerates the item property definitions and the schema's enumerated values from tests/data/ews-schema/types.xsd
and tools/item-properties.tsv (run it from the repository root):

- src/Rendezvous.Domain/ItemProperties.g.cs: for every item type of the schema (ItemType and the types derived from
  it, response objects left out), each element in its xs:sequence order with inheritance, its schema type, its FieldURI
  (from UnindexedFieldURIType), the Exchange version that introduced it and its MAPI identity where it has one (the
  last two from tools/item-properties.tsv, which names its sources; the schema carries neither).
- src/Rendezvous.Protocol/SchemaValues.g.cs: the values of every enumerated simple type an item, a request or a
  operation the server implements uses, as constants, so no product code types an enumeration value by hand.

Usage: gen-item-properties.py [SCHEMA_FOLDER [TABLE [OUTPUT_FOLDER]]]; with OUTPUT_FOLDER both files are written
there (the stale-file test compares them with the committed ones)."""
import os, re, sys, xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'
folder = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/ews-schema'
table_path = sys.argv[2] if len(sys.argv) > 2 else 'tools/item-properties.tsv'
out_folder = sys.argv[3] if len(sys.argv) > 3 else None
root = ET.parse(os.path.join(folder, 'types.xsd')).getroot()
complex_types = {c.get('name'): c for c in root.findall(XS + 'complexType')}
simple_types = {s.get('name'): s for s in root.findall(XS + 'simpleType')}
groups = {g.get('name'): g for g in root.findall(XS + 'group')}
VERSIONS = ['Exchange2007', 'Exchange2007_SP1', 'Exchange2009', 'Exchange2010', 'Exchange2010_SP1', 'Exchange2010_SP2',
            'Exchange2012', 'Exchange2013', 'Exchange2013_SP1', 'Exchange2015', 'Exchange2016']


def local(qname):
    return qname.split(':', 1)[1] if qname and ':' in qname else qname


def extension(name):
    return complex_types[name].find('.//' + XS + 'extension')


def base(name):
    ext = extension(name)
    return local(ext.get('base')) if ext is not None else None


def ancestors(name):
    found = []
    while name in complex_types and base(name):
        name = base(name)
        found.append(name)
    return found


def declared(name):
    ext = extension(name)
    sequence = (ext if ext is not None else complex_types[name]).find(XS + 'sequence')
    return [] if sequence is None else [(e.get('name'), e.get('type')) for e in sequence.iter(XS + 'element')]


def enumeration(name):
    s = simple_types.get(name)
    return None if s is None else [e.get('value') for e in s.iter(XS + 'enumeration')] or None


# Item types: ItemType and what derives from it, except the response objects (AcceptItem and the like are verbs).
item_types = ['ItemType'] + [n for n in complex_types
                             if 'ItemType' in ancestors(n) and n != 'ResponseObjectCoreType' and 'ResponseObjectCoreType' not in ancestors(n)]
field_uris = set(enumeration('UnindexedFieldURIType'))
PREFIX = {'ItemType': 'item', 'MessageType': 'message', 'CalendarItemType': 'calendar', 'ContactItemType': 'contacts',
          'DistributionListType': 'distributionlist', 'TaskType': 'task', 'PostItemType': 'postitem',
          'MeetingMessageType': 'meeting', 'MeetingRequestMessageType': 'meetingRequest',
          'MeetingResponseMessageType': 'meetingResponse', 'MeetingCancellationMessageType': 'meetingCancellation',
          'SharingMessageType': 'sharingMessage', 'RoleMemberItemType': 'rolemember', 'NetworkItemType': 'network',
          'AbchPersonItemType': 'abchperson'}


EXTRA_PREFIXES = {'PostItemType': ['message'], 'DistributionListType': ['contacts']}


def field_uri(type_name, element):
    # A meeting message's calendar elements (Start, Location, ...) are named by their calendar: FieldURI.
    prefixes = [PREFIX.get(type_name)] + (['meeting', 'calendar'] if type_name.startswith('Meeting') else [])
    # A post's message elements are named by their message: FieldURI, a distribution list's names by contacts: ones.
    prefixes += EXTRA_PREFIXES.get(type_name, [])
    for prefix in prefixes:
        if prefix and f'{prefix}:{element}' in field_uris:
            return f'{prefix}:{element}'
    return None


table = {}
for line in open(table_path, encoding='utf-8'):
    if line.startswith('#') or not line.strip():
        continue
    type_name, element, since, mapi, canonical, _source = line.rstrip('\n').split('\t')
    if since not in VERSIONS:
        raise SystemExit(f'{table_path}: unknown version {since} for {type_name}/{element}')
    table[(type_name, element)] = (since, None if mapi == '-' else mapi, None if canonical == '-' else canonical)


def ident(name):
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


def cs(text):
    return 'null' if text is None else '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def mapi_key(mapi):
    # The same key ExtendedPropertyPath.Key gives the path, so an ExtendedFieldURI finds its element.
    kind, *rest = mapi.split(':')
    if kind == 'tag':
        return 'tag:' + format(int(rest[0], 16), '04x'), rest[1]
    return 'id:' + rest[0] + ':' + str(int(rest[1], 16)), rest[2]


header = ['// <auto-generated>tools/gen-item-properties.py from types.xsd and tools/item-properties.tsv; do not edit.</auto-generated>', '#nullable enable']
props = header + ['using Rendezvous.Protocol;', '', 'namespace Rendezvous.Domain;', '',
                  '/// <summary>Every element of every item type of the schema, one definition per declaring type and element.</summary>',
                  'public static partial class ItemProperties', '{']
orders = []
missing = []
for type_name in item_types:
    for element, schema_type in declared(type_name):
        if (type_name, element) not in table:
            missing.append(f'{type_name}\t{element}')
            continue
        since, mapi, canonical = table[(type_name, element)]
        key, mapi_type = mapi_key(mapi) if mapi else (None, None)
        props.append(f'    /// <summary>{type_name}/{element} ({schema_type}).</summary>')
        props.append(f'    public static readonly PropertyDefinition {ident(type_name)}_{ident(element)} = new('
                     f'"{type_name}", "{element}", {cs(schema_type)}, {cs(field_uri(type_name, element))}, '
                     f'ExchangeVersion.{since}, {cs(key)}, {cs(mapi_type)}, {cs(canonical)});')
if missing:
    raise SystemExit(f'{table_path} lacks rows for:\n' + '\n'.join(missing))
props.append('')
props.append('    /// <summary>Per item type (the schema name, e.g. CalendarItemType): its elements in xs:sequence order, inherited ones first.</summary>')
props.append('    public static readonly IReadOnlyDictionary<string, IReadOnlyList<PropertyDefinition>> ByType = new Dictionary<string, IReadOnlyList<PropertyDefinition>>(StringComparer.Ordinal)')
props.append('    {')
for type_name in item_types:
    chain = list(reversed(ancestors(type_name))) + [type_name]
    names = [f'{ident(t)}_{ident(e)}' for t in chain for e, _ in declared(t)]
    props.append(f'        ["{type_name}"] =')
    props.append('        [')
    for n in names:
        props.append(f'            {n},')
    props.append('        ],')
props.append('    };')
props.append('}')

# Enumerations: those an item type uses (its elements, recursively) and those the operations the server implements
# read (availability, dispositions, send modes, shapes), by name.
OPERATION_ENUMS = ['FreeBusyViewType', 'SuggestionQuality', 'MeetingAttendeeType', 'MessageDispositionType',
                   'CalendarItemCreateOrDeleteOperationType', 'CalendarItemUpdateOperationType', 'DefaultShapeNamesType',
                   'ConflictResolutionType', 'DisposalType', 'AffectedTaskOccurrencesType', 'ItemQueryTraversalType',
                   'FolderQueryTraversalType', 'SyncFolderItemsScopeType', 'SortDirectionType', 'ContainmentModeType',
                   'ContainmentComparisonType', 'IndexBasePointType', 'ResponseClassType', 'BodyTypeResponseType',
                   'DayOfWeekType', 'IdFormatType', 'UserConfigurationDictionaryObjectTypesType',
                   # People and setup calls (issue 17 §4, §6, §7).
                   'ResolveNamesSearchScopeType', 'OofState', 'ExternalAudience', 'ServiceConfigurationType',
                   # Conversations (issue 17 §3).
                   'ConversationNodeSortOrder',
                   # Delegates (issue 18 §2).
                   'DeliverMeetingRequestsType', 'DelegateFolderPermissionLevelType']
reached = set()


def reach(name):
    if name in reached:
        return
    reached.add(name)
    node = simple_types.get(name) or complex_types.get(name) or groups.get(name)
    if node is None:
        return
    for x in node.iter():
        for attribute in ('type', 'base', 'ref', 'itemType', 'memberTypes'):
            for q in (x.get(attribute) or '').split():
                reach(local(q))


for type_name in item_types + OPERATION_ENUMS:
    reach(type_name)
enums = [(n, enumeration(n)) for n in sorted(reached) if enumeration(n) and n not in ('UnindexedFieldURIType', 'DictionaryURIType', 'ExceptionPropertyURIType')]
values = header + ['namespace Rendezvous.Protocol;', '',
                   '/// <summary>The values of the schema\'s enumerated simple types (types.xsd), one class per type.</summary>',
                   'public static class SchemaValues', '{']
for name, vals in enums:
    values.append(f'    /// <summary>The values of {name}.</summary>')
    values.append(f'    public static class {ident(name)}')
    values.append('    {')
    used = set()
    for v in vals:
        member = ident(v)
        if member[0].isdigit():
            member = '_' + member
        if member in used or member == ident(name) or member == 'All':
            member += '_'
        used.add(member)
        values.append(f'        /// <summary>"{v}".</summary>')
        values.append(f'        public const string {member} = {cs(v)};')
        values.append('')
    values.append('        /// <summary>Every value, for validating what a client sends.</summary>')
    values.append('        public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { '
                  + ', '.join(cs(v) for v in vals) + ' };')
    values.append('    }')
    values.append('')
values[-1] = '}'

targets = [('src/Rendezvous.Domain/ItemProperties.g.cs', props), ('src/Rendezvous.Protocol/SchemaValues.g.cs', values)]
for path, lines in targets:
    if out_folder:
        path = os.path.join(out_folder, os.path.basename(path))
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write('\n'.join(lines) + '\n')
