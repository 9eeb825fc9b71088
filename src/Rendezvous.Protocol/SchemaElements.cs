using System.Collections.Frozen;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>
/// Which child elements each complex type of the EWS schema allows, generated from messages.xsd and types.xsd by
/// tools/gen-schema-elements.py. A request is checked against it before any reader sees it, so an element the schema
/// has no place for is an ErrorSchemaValidation fault naming its line, as Exchange answers, instead of being ignored
/// by a reader that only looks for what it knows. (Order and cardinality are left to the readers.)
/// </summary>
public static class SchemaElements
{
    private const string Simple = "-";
    private const string Anything = "*";
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    private static readonly (FrozenDictionary<string, string> Operations, FrozenDictionary<string, TypeEntry?> Types) Table = Load();

    /// <summary>The number of complex types known (a sanity check for tests).</summary>
    public static int TypeCount => Table.Types.Count;

    /// <summary>
    /// Refuses the first element under <paramref name="operation"/> (an operation or a SOAP header) that its parent's
    /// schema type does not allow. An element the schema does not declare is left to the caller, which refuses it by name.
    /// </summary>
    public static void Check(XElement operation)
    {
        if (!Table.Operations.TryGetValue(Key(operation.Name), out var type))
        {
            return;
        }

        // Iterative walk: the depth limit of the reader already bounds it, but recursion is not needed.
        var pending = new Stack<(XElement Element, string Type)>();
        pending.Push((operation, type));
        while (pending.Count > 0)
        {
            var (element, elementType) = pending.Pop();
            if (DeclaredType(element) is { } declared)
            {
                elementType = declared;
            }

            if (!Table.Types.TryGetValue(elementType, out var entry))
            {
                // A simple type: text only.
                if (elementType == Simple && element.HasElements)
                {
                    throw Invalid(element, element.Elements().First());
                }

                continue;
            }

            if (entry is null)
            {
                continue;
            }

            var children = entry.Children;

            var first = pending.Count;
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var child in element.Elements())
            {
                var key = Key(child.Name);
                if (!children.TryGetValue(key, out var childType))
                {
                    throw Invalid(element, child);
                }

                seen[key] = seen.GetValueOrDefault(key) + 1;
                pending.Push((child, childType));
            }

            // Children are checked in document order, so the error names the first offender.
            Reverse(pending, first);
            foreach (var group in entry.Required)
            {
                if (!group.Any(seen.ContainsKey))
                {
                    throw SoapRequest.Schema(element,
                        $"The element '{element.Name.LocalName}' in namespace '{element.Name.NamespaceName}' has incomplete content: it needs '{Describe(group)}'.");
                }
            }

            foreach (var group in entry.Single)
            {
                if (group.Sum(name => seen.GetValueOrDefault(name)) > 1)
                {
                    var second = element.Elements().Where(c => group.Contains(Key(c.Name))).Skip(1).First();
                    throw SoapRequest.Schema(second,
                        $"The element '{element.Name.LocalName}' in namespace '{element.Name.NamespaceName}' holds at most one '{Describe(group)}'; '{second.Name.LocalName}' is one too many.");
                }
            }
        }
    }

    private static string Describe(string[] group) => string.Join("' or '", group.Select(g => g[(g.IndexOf(':', StringComparison.Ordinal) + 1)..]));

    private static void Reverse(Stack<(XElement, string)> stack, int from)
    {
        if (stack.Count - from < 2)
        {
            return;
        }

        var top = new (XElement, string)[stack.Count - from];
        for (var i = 0; i < top.Length; i++)
        {
            top[i] = stack.Pop();
        }

        foreach (var entry in top)
        {
            stack.Push(entry);
        }
    }

    private static EwsFaultException Invalid(XElement parent, XElement child) =>
        SoapRequest.Schema(child,
            $"The element '{Values.Excerpt(parent.Name.LocalName)}' in namespace '{parent.Name.NamespaceName}' has invalid child element '{Values.Excerpt(child.Name.LocalName)}' in namespace '{Values.Excerpt(child.Name.NamespaceName)}'.");

    /// <summary>An xsi:type naming a schema type the element is declared as instead of its default.</summary>
    private static string? DeclaredType(XElement element)
    {
        if (element.Attribute(Xsi + "type") is not { } attribute)
        {
            return null;
        }

        var value = attribute.Value.Trim();
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var ns = colon < 0 ? element.GetDefaultNamespace() : element.GetNamespaceOfPrefix(value[..colon]);
        var key = ns is null ? null : Key(ns + value[(colon + 1)..]);
        return key is not null && Table.Types.ContainsKey(key)
            ? key
            : throw SoapRequest.Schema(attribute, $"The xsi:type '{Values.Excerpt(value)}' is not a type of the EWS schema.");
    }

    private static string Key(XName name) =>
        name.Namespace == Ews.T ? "t:" + name.LocalName
        : name.Namespace == Ews.M ? "m:" + name.LocalName
        : "{" + name.NamespaceName + "}" + name.LocalName;

    private static (FrozenDictionary<string, string>, FrozenDictionary<string, TypeEntry?>) Load()
    {
        using var stream = typeof(SchemaElements).Assembly.GetManifestResourceStream("Rendezvous.Protocol.SchemaElements.txt")
            ?? throw new InvalidOperationException("The schema element table is not embedded.");
        using var reader = new StreamReader(stream);
        var operations = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new Dictionary<string, TypeEntry?>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split('\t');
            if (line[0] == '@')
            {
                operations[fields[0][1..]] = fields[1];
                continue;
            }

            if (fields.Length == 2 && fields[1] == Anything)
            {
                types[fields[0]] = null;
                continue;
            }

            var children = new Dictionary<string, string>(StringComparer.Ordinal);
            var required = new List<string[]>();
            var single = new List<string[]>();
            foreach (var field in fields.AsSpan(1))
            {
                if (field[0] is '!' or '?')
                {
                    (field[0] == '!' ? required : single).Add(field[1..].Split('|'));
                    continue;
                }

                var equals = field.IndexOf('=', StringComparison.Ordinal);
                children[field[..equals]] = field[(equals + 1)..];
            }

            types[fields[0]] = new TypeEntry(children.ToFrozenDictionary(StringComparer.Ordinal), [.. required], [.. single]);
        }

        return (operations.ToFrozenDictionary(StringComparer.Ordinal), types.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>A complex type: the children it allows (name to type), the sets of which one child must appear, and those of which at most one may.</summary>
    private sealed record TypeEntry(FrozenDictionary<string, string> Children, string[][] Required, string[][] Single);
}
