using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Rendezvous.Protocol;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>
/// Validates responses against Microsoft's EWS schema in tests/data/ews-schema (never shipped with the product).
/// Every child of soap:Header and soap:Body is checked; warnings (such as an unknown namespace) count as errors.
/// </summary>
public static class SchemaValidator
{
    private static readonly Lazy<XmlSchemaSet> Schemas = new(() =>
    {
        var set = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        set.Add(null, TestData.Path("ews-schema", "messages.xsd"));
        set.Compile();
        return set;
    });

    public static IReadOnlyList<string> Validate(XDocument envelope)
    {
        var errors = new List<string>();
        var parts = envelope.Root!.Elements().Where(e => e.Name.Namespace == Ews.Soap).SelectMany(e => e.Elements());
        foreach (var part in parts)
        {
            if (part.Name.Namespace == Ews.Soap)
            {
                continue; // soap:Fault is SOAP's own; its header is still validated.
            }

            var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Schemas.Value };
            settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
            settings.ValidationEventHandler += (_, e) => errors.Add($"{part.Name.LocalName} line {e.Exception.LineNumber} pos {e.Exception.LinePosition}: {e.Message}");
            using var reader = XmlReader.Create(new StringReader(Standalone(part).ToString(SaveOptions.DisableFormatting)), settings);
            while (reader.Read())
            {
            }
        }

        return errors;
    }

    /// <summary>
    /// The part with the namespace declarations of its ancestors (the envelope's), so that a prefix used in a value
    /// (xsi:type="t:AlternateIdType") resolves as it does in the whole response.
    /// </summary>
    private static XElement Standalone(XElement part)
    {
        var copy = new XElement(part);
        foreach (var declaration in part.Ancestors().SelectMany(a => a.Attributes()).Where(a => a.IsNamespaceDeclaration))
        {
            if (copy.Attribute(declaration.Name) is null)
            {
                copy.Add(new XAttribute(declaration.Name, declaration.Value));
            }
        }

        return copy;
    }
}
