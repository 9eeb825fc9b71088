using Rendezvous.Protocol;

namespace Rendezvous.Domain;

/// <summary>
/// One element of an item type as the schema declares it (generated into <see cref="ItemProperties"/> by
/// tools/gen-item-properties.py): the type that declares it, its element and schema type, its FieldURI, the version
/// that introduced it, and its MAPI identity where it has one. <see cref="Key"/> is the property's identity in storage:
/// the MAPI key when it has one (so the element and its ExtendedFieldURI are one value), else type and element.
/// </summary>
public sealed class PropertyDefinition(
    string declaringType,
    string element,
    string? schemaType,
    string? fieldUri,
    ExchangeVersion since,
    string? mapiKey,
    string? mapiType,
    string? canonicalName)
{
    public string DeclaringType { get; } = declaringType;

    public string Element { get; } = element;

    public string? SchemaType { get; } = schemaType;

    public string? FieldUri { get; } = fieldUri;

    public ExchangeVersion Since { get; } = since;

    /// <summary>The key <see cref="ExtendedPropertyPath.Key"/> gives its MAPI path (tag:0037, id:SET:ID), or null.</summary>
    public string? MapiKey { get; } = mapiKey;

    /// <summary>Its MapiPropertyTypeType (String, Integer, SystemTime, ...), when it has a MAPI identity.</summary>
    public string? MapiType { get; } = mapiType;

    /// <summary>Its [MS-OXPROPS] canonical name (PidTagSubject, PidLidLocation, ...), when it has a MAPI identity.</summary>
    public string? CanonicalName { get; } = canonicalName;

    private static int count;

    // Identity is the instance; its hash is a number given at creation, cheaper than the runtime's per-object hash on
    // every lookup in a bag (a read of a typed accessor is one).
    private readonly int hash = Interlocked.Increment(ref count);

    /// <summary>A number of its own, dense from 1 in the order definitions are made (what <see cref="PropertyBag"/> hashes).</summary>
    internal int Ordinal => hash;

    public string Key { get; } = mapiKey ?? declaringType + "/" + element;

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => hash;

    public override string ToString() => DeclaringType + "/" + Element;
}
