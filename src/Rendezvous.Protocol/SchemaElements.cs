using System.Collections.Frozen;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>
/// Which child elements each complex type of the EWS schema allows, generated from messages.xsd and types.xsd by
/// tools/gen-schema-elements.py: for each type its children and their types, the sets of children of which one must
/// appear, and those of which at most one may. A request is checked against it before any reader sees it, so an
/// element the schema has no place for, a missing required one or one too many is an ErrorSchemaValidation fault naming
/// its line, as Exchange answers, instead of being ignored by a reader that only looks for what it knows. The order of
/// children and the values of simple types are left to the readers.
/// </summary>
public static class SchemaElements
{
    private const string Simple = "-";
    private const string Anything = "*";
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    private static readonly Schema Table = Schema.Load();

    /// <summary>The number of complex types known (a sanity check for tests).</summary>
    public static int TypeCount => Table.Types.Count;

    /// <summary>
    /// Refuses the first element under <paramref name="operation"/> (an operation or a SOAP header) that its parent's
    /// schema type does not allow. An element the schema does not declare is left to the caller, which refuses it by name.
    /// </summary>
    public static void Check(XElement operation)
    {
        if (!Table.Globals.TryGetValue(operation.Name, out var type))
        {
            return;
        }

        Check(operation, type);
    }

    // Recursive: the reader's depth limit (XmlLimits.MaxDepth) bounds it. A null type is a simple one (text only).
    private static void Check(XElement element, ComplexType? type)
    {
        if (DeclaredType(element) is { } declared)
        {
            type = declared;
        }

        if (type is null)
        {
            if (element.HasElements)
            {
                throw Invalid(element, element.Elements().First());
            }

            return;
        }

        if (type.Open)
        {
            return;
        }

        // Counts per constrained set, on the stack for the common types (a few dozen sets at most).
        var sets = type.RequiredCount + type.SingleCount;
        Span<int> counts = sets <= 256 ? stackalloc int[sets] : new int[sets];
        foreach (var child in element.Elements())
        {
            if (!type.Children.TryGetValue(child.Name, out var slot))
            {
                throw Invalid(element, child);
            }

            foreach (var set in slot.Sets)
            {
                if (++counts[set] > 1 && set >= type.RequiredCount)
                {
                    throw SoapRequest.Schema(child,
                        $"The element '{element.Name.LocalName}' in namespace '{element.Name.NamespaceName}' holds at most one '{type.Describe(set)}'; '{child.Name.LocalName}' is one too many.");
                }
            }

            Check(child, slot.Type);
        }

        // A nil element (xsi:nil, where the schema says nillable: DictionaryValue) has no content to require.
        var isNil = !element.HasElements && (string?)element.Attribute(Xsi + "nil") is "true" or "1";
        for (var set = 0; set < type.RequiredCount && !isNil; set++)
        {
            if (counts[set] == 0)
            {
                throw SoapRequest.Schema(element,
                    $"The element '{element.Name.LocalName}' in namespace '{element.Name.NamespaceName}' has incomplete content: it needs '{type.Describe(set)}'.");
            }
        }
    }

    private static EwsFaultException Invalid(XElement parent, XElement child) =>
        SoapRequest.Schema(child,
            $"The element '{parent.Name.LocalName}' in namespace '{parent.Name.NamespaceName}' has invalid child element '{Values.Excerpt(child.Name.LocalName)}' in namespace '{Values.Excerpt(child.Name.NamespaceName)}'.");

    /// <summary>An xsi:type naming a schema type the element is declared as instead of its default.</summary>
    private static ComplexType? DeclaredType(XElement element)
    {
        if (element.Attribute(Xsi + "type") is not { } attribute)
        {
            return null;
        }

        var value = attribute.Value.Trim();
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var ns = colon < 0 ? element.GetDefaultNamespace() : element.GetNamespaceOfPrefix(value[..colon]);
        var key = ns is null ? null : Schema.Key(ns + value[(colon + 1)..]);
        return key is not null && Table.Types.TryGetValue(key, out var type)
            ? type
            : throw SoapRequest.Schema(attribute, $"The xsi:type '{Values.Excerpt(value)}' is not a type of the EWS schema.");
    }

    /// <summary>A child a type allows: its type (null: simple) and the constrained sets it counts in.</summary>
    private sealed record Slot(ComplexType? Type, int[] Sets);

    /// <summary>
    /// A complex type. Its constrained sets are numbered: the required ones first (<see cref="RequiredCount"/>), then the
    /// at-most-one ones (<see cref="SingleCount"/>).
    /// </summary>
    private sealed class ComplexType
    {
        public bool Open { get; init; }

        public FrozenDictionary<XName, Slot> Children { get; set; } = FrozenDictionary<XName, Slot>.Empty;

        public int RequiredCount { get; set; }

        public int SingleCount { get; set; }

        public string[][] SetNames { get; set; } = [];

        public string Describe(int set) => string.Join("' or '", SetNames[set].Select(g => g[(g.IndexOf(':', StringComparison.Ordinal) + 1)..]));
    }

    /// <summary>The table read from the embedded SchemaElements.g.txt, its type names resolved to linked types.</summary>
    private sealed record Schema(FrozenDictionary<XName, ComplexType?> Globals, FrozenDictionary<string, ComplexType> Types)
    {
        public static string Key(XName name) =>
            name.Namespace == Ews.T ? "t:" + name.LocalName
            : name.Namespace == Ews.M ? "m:" + name.LocalName
            : "{" + name.NamespaceName + "}" + name.LocalName;

        private static XName Name(string key) => (key[0] == 't' ? Ews.T : Ews.M) + key[2..];

        public static Schema Load()
        {
            using var stream = typeof(SchemaElements).Assembly.GetManifestResourceStream("Rendezvous.Protocol.SchemaElements.txt")
                ?? throw new InvalidOperationException("The schema element table is not embedded.");
            using var reader = new StreamReader(stream);
            var globals = new Dictionary<string, string>(StringComparer.Ordinal);
            var lines = new Dictionary<string, string[]>(StringComparer.Ordinal);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var fields = line.Split('\t');
                if (line[0] == '@')
                {
                    globals[fields[0][1..]] = fields[1];
                }
                else
                {
                    lines[fields[0]] = fields;
                }
            }

            // Every type first, then their children, so that children can point at their types.
            var types = lines.ToDictionary(l => l.Key, l => new ComplexType { Open = l.Value is [_, Anything] }, StringComparer.Ordinal);
            ComplexType? Resolve(string name) => name == Simple ? null : types[name];
            foreach (var (name, fields) in lines)
            {
                var type = types[name];
                if (type.Open)
                {
                    continue;
                }

                var required = fields.Skip(1).Where(f => f[0] == '!').Select(f => f[1..].Split('|')).ToArray();
                var single = fields.Skip(1).Where(f => f[0] == '?').Select(f => f[1..].Split('|')).ToArray();
                string[][] sets = [.. required, .. single];
                type.RequiredCount = required.Length;
                type.SingleCount = single.Length;
                type.SetNames = sets;
                type.Children = fields.Skip(1).Where(f => f[0] is not ('!' or '?')).Select(f => f.Split('=', 2)).ToFrozenDictionary(
                    f => Name(f[0]),
                    f => new Slot(Resolve(f[1]), [.. Enumerable.Range(0, sets.Length).Where(i => sets[i].Contains(f[0]))]));
            }

            return new Schema(
                globals.ToFrozenDictionary(g => Name(g.Key), g => Resolve(g.Value)),
                types.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }
}
