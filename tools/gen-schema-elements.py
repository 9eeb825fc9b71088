#!/usr/bin/env python3
"""Regenerates src/Rendezvous.Protocol/SchemaElements.g.txt from tests/data/ews-schema/{messages,types}.xsd
(the repository's copy of the EWS schema; run it from the repository root).

For every complex type of the schema: the child elements it allows (with inheritance, groups and substitution
groups resolved) and each child's type. SchemaElements.cs reads it to refuse, as Exchange's schema validation does,
any element a request puts where the schema has no place for it. The product does not ship Microsoft's schema.

Line format (one type a line, sorted): TYPE<TAB>CHILD=CHILDTYPE<TAB>...<TAB>!NAME|NAME...; a CHILDTYPE of '-' is a
simple type (no child elements allowed), a line with a lone '*' after the type allows anything (xs:any), and each
'!' field is a set of children of which at least one must appear (a required element, or a required choice), each
'?' field a set of which at most one may appear (an element or a choice that does not repeat). Operations: lines
'@ELEMENT<TAB>TYPE' for the global elements (operations, SOAP headers). Names are 'm:Local' or 't:Local'."""
import sys, xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'
NS = {'http://schemas.microsoft.com/exchange/services/2006/types': 't',
      'http://schemas.microsoft.com/exchange/services/2006/messages': 'm'}
folder = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/ews-schema'
out_path = sys.argv[2] if len(sys.argv) > 2 else 'src/Rendezvous.Protocol/SchemaElements.g.txt'

complex_types, groups, elements, substitutes = {}, {}, {}, {}
simple_types = set()
anonymous = {}


def load(path):
    root = ET.parse(path).getroot()
    prefix = NS[root.get('targetNamespace')]
    # ElementTree drops prefix declarations; read them from the file to resolve QName values.
    mapping = {}
    for event, (p, uri) in ET.iterparse(path, events=['start-ns']):
        mapping[p] = uri
    return root, prefix, mapping


def qname(value, mapping):
    p, _, local = value.rpartition(':')
    uri = mapping.get(p, '')
    if uri == 'http://www.w3.org/2001/XMLSchema':
        return 'xs:' + local
    return NS.get(uri, '?') + ':' + local


docs = [load(f'{folder}/types.xsd'), load(f'{folder}/messages.xsd')]
for root, prefix, mapping in docs:
    for node in root:
        name = node.get('name')
        if node.tag == XS + 'complexType':
            complex_types[prefix + ':' + name] = (node, prefix, mapping)
        elif node.tag == XS + 'simpleType':
            simple_types.add(prefix + ':' + name)
        elif node.tag == XS + 'group':
            groups[prefix + ':' + name] = (node, prefix, mapping)
        elif node.tag == XS + 'element':
            key = prefix + ':' + name
            elements[key] = (node, prefix, mapping)
            if node.get('substitutionGroup'):
                head = qname(node.get('substitutionGroup'), mapping)
                substitutes.setdefault(head, []).append(key)


def element_type(node, prefix, mapping, context):
    """The type key of an element declaration: a named type, an anonymous one (named after its place), or '-'."""
    if node.get('type'):
        t = qname(node.get('type'), mapping)
        return t if t in complex_types else '-'
    inline = node.find(XS + 'complexType')
    if inline is not None:
        key = context + '/' + node.get('name')
        anonymous[key] = (inline, prefix, mapping)
        return key
    return '-'


def global_element(key):
    node, prefix, mapping = elements[key]
    return element_type(node, prefix, mapping, key + '#')


def substitution_closure(key):
    result = [] if elements[key][0].get('abstract') == 'true' else [key]
    for sub in substitutes.get(key, []):
        result += substitution_closure(sub)
    return result


def particles(node, prefix, mapping, context, children):
    """Adds the elements a content model allows to children; returns False when it holds an xs:any."""
    ok = True
    for child in node:
        tag = child.tag
        if tag == XS + 'element':
            if child.get('ref'):
                ref = qname(child.get('ref'), mapping)
                for name in substitution_closure(ref):
                    children[name] = global_element(name)
            else:
                children[prefix + ':' + child.get('name')] = element_type(child, prefix, mapping, context)
        elif tag in (XS + 'sequence', XS + 'choice', XS + 'all'):
            ok = particles(child, prefix, mapping, context, children) and ok
        elif tag == XS + 'group':
            gnode, gprefix, gmapping = groups[qname(child.get('ref'), mapping)]
            ok = particles(gnode, gprefix, gmapping, context, children) and ok
        elif tag == XS + 'any':
            ok = False
    return ok


def content(node, prefix, mapping, context):
    """(children, closed) of a complex type node: its own particles, after its base type's when it extends one."""
    children = {}
    derived = node.find(XS + 'complexContent')
    if node.find(XS + 'simpleContent') is not None:
        return children, True
    if derived is None:
        return children, particles(node, prefix, mapping, context, children)
    closed = True
    for derivation in derived:
        if derivation.tag == XS + 'extension':
            base = qname(derivation.get('base'), mapping)
            if base in complex_types:
                bnode, bprefix, bmapping = complex_types[base]
                bchildren, bclosed = content(bnode, bprefix, bmapping, base)
                children.update(bchildren)
                closed = closed and bclosed
        # A restriction restates its whole content model; an extension appends to its base's.
        closed = particles(derivation, prefix, mapping, context, children) and closed
    return children, closed


def occurs(node):
    return node.get('minOccurs', '1') != '0'


def once(node):
    return node.get('maxOccurs', '1') == '1'


def element_names(child, mapping, prefix):
    if child.get('ref'):
        return substitution_closure(qname(child.get('ref'), mapping))
    return [prefix + ':' + child.get('name')]


def particle_groups(node, prefix, mapping, keep, groups_out):
    """Adds to groups_out the sets of element names the content model constrains, keeping the particles `keep` holds
    for: each such element, and each such choice whose alternatives all are such elements. With `occurs`, one of each
    set must appear; with `once`, at most one of each may. Anything less certain (a particle inside a repeating or
    optional one, a choice of sequences) is left out."""
    for child in node:
        tag = child.tag
        if not keep(child):
            continue
        if tag == XS + 'element':
            groups_out.append(sorted(element_names(child, mapping, prefix)))
        elif tag == XS + 'sequence':
            particle_groups(child, prefix, mapping, keep, groups_out)
        elif tag == XS + 'group':
            gnode, gprefix, gmapping = groups[qname(child.get('ref'), mapping)]
            particle_groups(gnode, gprefix, gmapping, keep, groups_out)
        elif tag == XS + 'choice':
            alternatives = []
            for alt in child:
                if alt.tag == XS + 'element' and keep(alt):
                    alternatives += element_names(alt, mapping, prefix)
                elif alt.tag == XS + 'annotation':
                    continue
                else:
                    alternatives = None
                    break
            if alternatives:
                groups_out.append(sorted(set(alternatives)))


def type_groups(node, prefix, mapping, keep):
    """particle_groups of a complex type, its base type's first when it extends one."""
    out = []
    if node.find(XS + 'simpleContent') is not None:
        return out
    derived = node.find(XS + 'complexContent')
    if derived is None:
        particle_groups(node, prefix, mapping, keep, out)
        return out
    for derivation in derived:
        if derivation.tag == XS + 'extension':
            base = qname(derivation.get('base'), mapping)
            if base in complex_types:
                bnode, bprefix, bmapping = complex_types[base]
                out += type_groups(bnode, bprefix, bmapping, keep)
        particle_groups(derivation, prefix, mapping, keep, out)
    return out

def line(key, node, prefix, mapping, children, closed):
    if not closed:
        return key + '\t*'
    fields = [key] + [f'{c}={t}' for c, t in sorted(children.items())]
    fields += ['!' + '|'.join(g) for g in type_groups(node, prefix, mapping, occurs)]
    fields += ['?' + '|'.join(g) for g in type_groups(node, prefix, mapping, once)]
    return '\t'.join(fields)


lines = {}
pending = list(complex_types)
done = set()
while pending:
    key = pending.pop()
    if key in done:
        continue
    done.add(key)
    node, prefix, mapping = complex_types[key] if key in complex_types else anonymous[key]
    children, closed = content(node, prefix, mapping, key)
    lines[key] = line(key, node, prefix, mapping, children, closed)
    pending += [t for t in children.values() if t != '-' and t not in done]
    pending += [k for k in anonymous if k not in done]

operations = []
for key in elements:
    if True:
        t = global_element(key)
        if t != '-':
            operations.append(f'@{key}\t{t}')
            if t in anonymous and t not in done:
                pending.append(t)
while pending:
    key = pending.pop()
    if key in done:
        continue
    done.add(key)
    node, prefix, mapping = anonymous[key]
    children, closed = content(node, prefix, mapping, key)
    lines[key] = line(key, node, prefix, mapping, children, closed)
    pending += [t for t in children.values() if t != '-' and t not in done]

with open(out_path, 'w', newline='\n') as f:
    f.write('# Generated by tools/gen-schema-elements.py from the EWS schema (messages.xsd, types.xsd); do not edit.\n')
    for line in sorted(operations):
        f.write(line + '\n')
    for key in sorted(lines):
        f.write(lines[key] + '\n')
