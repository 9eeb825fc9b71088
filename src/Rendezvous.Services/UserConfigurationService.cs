using System.Text.Json;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>What of a user configuration object a GetUserConfiguration asks for (UserConfigurationPropertyType).</summary>
[Flags]
public enum UserConfigurationParts
{
    None = 0,
    Id = 1,
    Dictionary = 2,
    XmlData = 4,
    BinaryData = 8,
    All = Id | Dictionary | XmlData | BinaryData,
}

/// <summary>One typed value of a configuration dictionary (UserConfigurationDictionaryObjectType): its type and its values.</summary>
public sealed record DictionaryObject(string Type, IReadOnlyList<string> Values);

/// <summary>A dictionary entry; a null value is the schema's nil DictionaryValue.</summary>
public sealed record DictionaryEntry(DictionaryObject Key, DictionaryObject? Value);

/// <summary>
/// A user configuration object: its name and folder, and what it holds. A part left null is absent (on an update: removed,
/// as Exchange replaces the whole object).
/// </summary>
public sealed record UserConfiguration(string Name, FolderRef Folder)
{
    public IReadOnlyList<DictionaryEntry>? Dictionary { get; init; }

    public byte[]? XmlData { get; init; }

    public byte[]? BinaryData { get; init; }

    /// <summary>The associated item that holds it, once stored (null for one the server answers without storing).</summary>
    public Item? Item { get; init; }
}

/// <summary>
/// GetUserConfiguration, CreateUserConfiguration, UpdateUserConfiguration, DeleteUserConfiguration. An object is an
/// associated (FAI) item of its folder of class IPM.Configuration.{Name}, as in Exchange ([MS-OXOCFG]), so FindItem's
/// Associated traversal lists it; its parts are the item's roaming properties (PidTagRoamingDictionary 0x7C07,
/// PidTagRoamingXmlStream 0x7C08, PidTagRoamingBinary 0x7C09), the dictionary kept as JSON of its typed entries.
/// </summary>
public static class UserConfigurationService
{
    public const string ClassPrefix = "IPM.Configuration.";

    /// <summary>OWA's options object, which DavMail reads its user's time zone from before its first PUT.</summary>
    public const string OwaUserOptions = "OWA.UserOptions";

    private static readonly ExtendedPropertyPath DictionaryPath = new("0x7C07", null, null, null, null, SchemaValues.MapiPropertyTypeType.Binary);
    private static readonly ExtendedPropertyPath XmlPath = new("0x7C08", null, null, null, null, SchemaValues.MapiPropertyTypeType.Binary);
    private static readonly ExtendedPropertyPath BinaryPath = new("0x7C09", null, null, null, null, SchemaValues.MapiPropertyTypeType.Binary);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The types a dictionary object may have.</summary>
    public static IReadOnlySet<string> ObjectTypes => SchemaValues.UserConfigurationDictionaryObjectTypesType.All;

    public static async Task<UserConfiguration> GetAsync(Session session, string name, FolderRef folderRef)
    {
        var folder = await session.ResolveFolderAsync(folderRef);
        var item = await session.Store.GetAssociatedItemAsync(folder.Id, ClassPrefix + name, session.Cancellation);
        if (item is not null)
        {
            return Read(name, folderRef, item);
        }

        if (name == OwaUserOptions && folder.DistinguishedName == "root")
        {
            // Note: DavMail 6 reads the "timezone" entry of OWA.UserOptions before its first PUT and fails every PUT
            // without it. Exchange creates the object when its user first picks a zone in OWA; a mailbox here has one
            // from the start: its working hours' zone, as a Windows id DavMail's own table knows.
            var hours = await session.Store.GetWorkingHoursAsync(session.MailboxId, session.Cancellation) ?? WorkingHours.Default;
            var zone = TimeZones.ClientZoneId(TimeZones.WindowsId(hours.TimeZoneId ?? hours.Zone.Id) ?? "UTC");
            return new UserConfiguration(name, folderRef)
            {
                Dictionary =
                [
                    new DictionaryEntry(
                        new DictionaryObject(SchemaValues.UserConfigurationDictionaryObjectTypesType.String, ["timezone"]),
                        new DictionaryObject(SchemaValues.UserConfigurationDictionaryObjectTypesType.String, [zone])),
                ],
            };
        }

        throw NotFound();
    }

    public static async Task CreateAsync(Session session, UserConfiguration configuration)
    {
        configuration = Normalized(configuration);
        var folder = await session.ResolveFolderAsync(configuration.Folder);
        var item = new Item { Kind = ItemKind.Message, ItemClass = ClassPrefix + configuration.Name, Subject = configuration.Name };
        ItemService.Stamp(session, item, folder, session.Now);
        item.DateTimeReceived = null;
        Write(item, configuration);
        try
        {
            await session.Store.SaveAssociatedItemAsync(item, null, session.Cancellation);
        }
        catch (DuplicateException)
        {
            throw new DomainException(ErrorCode.ItemSave, "The user configuration object already exists in this folder.");
        }
    }

    public static async Task UpdateAsync(Session session, UserConfiguration configuration)
    {
        configuration = Normalized(configuration);
        var folder = await session.ResolveFolderAsync(configuration.Folder);
        var item = await session.Store.GetAssociatedItemAsync(folder.Id, ClassPrefix + configuration.Name, session.Cancellation);
        if (item is null && configuration.Name == OwaUserOptions && folder.DistinguishedName == "root")
        {
            // The object GetAsync answers without storing: its first update stores it.
            await CreateAsync(session, configuration);
            return;
        }

        if (item is null)
        {
            throw NotFound();
        }

        var expected = item.ChangeNumber;
        Write(item, configuration);
        item.StampModified(session.Now);
        await session.Store.SaveAssociatedItemAsync(item, expected, session.Cancellation);
    }

    public static async Task DeleteAsync(Session session, string name, FolderRef folderRef)
    {
        var folder = await session.ResolveFolderAsync(folderRef);
        var item = await session.Store.GetAssociatedItemAsync(folder.Id, ClassPrefix + name, session.Cancellation);
        if (item is null || !await session.Store.DeleteAssociatedItemAsync(item.Id, session.Cancellation))
        {
            throw NotFound();
        }
    }

    /// <summary>The associated items of a folder (FindItem with Traversal="Associated").</summary>
    public static async Task<IReadOnlyList<Item>> FindAsync(Session session, Folder folder) =>
        await session.Store.GetAssociatedItemsAsync(folder.Id, session.Cancellation);

    private static DomainException NotFound() => new(ErrorCode.ItemNotFound, "The specified object was not found in the store.");

    /// <summary>
    /// The object with each typed value in the form Exchange answers with (Boolean as true/false, numbers in decimal, a
    /// DateTime in UTC), or why it cannot be stored. Note: exchangelib sends a Boolean as 1 or 0 and reads only true/false.
    /// </summary>
    private static UserConfiguration Normalized(UserConfiguration configuration)
    {
        if (configuration.Name.Length is 0 or > 236 || configuration.Name.Any(char.IsControl))
        {
            throw new DomainException(ErrorCode.InvalidRequest, "The user configuration name is not valid.");
        }

        return configuration.Dictionary is null ? configuration : configuration with
        {
            Dictionary = [.. configuration.Dictionary.Select(e => new DictionaryEntry(Normalize(e.Key), e.Value is null ? null : Normalize(e.Value)))],
        };
    }

    private static DictionaryObject Normalize(DictionaryObject o)
    {
        var types = SchemaValues.UserConfigurationDictionaryObjectTypesType.All;
        if (!types.Contains(o.Type) || (o.Values.Count != 1 && o.Type is not (SchemaValues.UserConfigurationDictionaryObjectTypesType.StringArray or SchemaValues.UserConfigurationDictionaryObjectTypesType.ByteArray)))
        {
            throw new DomainException(ErrorCode.InvalidRequest, $"A dictionary object of type '{Values.Excerpt(o.Type)}' cannot hold {o.Values.Count} values.");
        }

        return o with { Values = [.. o.Values.Select(v => NormalizeValue(o.Type, v))] };
    }

    private static string NormalizeValue(string type, string value)
    {
        var text = value.Trim();
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        const System.Globalization.NumberStyles integer = System.Globalization.NumberStyles.AllowLeadingSign;
        string? normalized = type switch
        {
            SchemaValues.UserConfigurationDictionaryObjectTypesType.Boolean => text.ToLowerInvariant() switch
            {
                "true" or "1" => "true",
                "false" or "0" => "false",
                _ => null,
            },
            SchemaValues.UserConfigurationDictionaryObjectTypesType.Byte => byte.TryParse(text, integer, invariant, out var b) ? b.ToString(invariant) : null,
            SchemaValues.UserConfigurationDictionaryObjectTypesType.Integer32 => int.TryParse(text, integer, invariant, out var i) ? i.ToString(invariant) : null,
            SchemaValues.UserConfigurationDictionaryObjectTypesType.UnsignedInteger32 => uint.TryParse(text, integer, invariant, out var u) ? u.ToString(invariant) : null,
            SchemaValues.UserConfigurationDictionaryObjectTypesType.Integer64 => long.TryParse(text, integer, invariant, out var l) ? l.ToString(invariant) : null,
            SchemaValues.UserConfigurationDictionaryObjectTypesType.UnsignedInteger64 => ulong.TryParse(text, integer, invariant, out var ul) ? ul.ToString(invariant) : null,
            SchemaValues.UserConfigurationDictionaryObjectTypesType.DateTime =>
                DateTimeOffset.TryParse(text, invariant, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
                    ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", invariant)
                    : null,
            _ => value,
        };
        return normalized ?? throw new DomainException(ErrorCode.InvalidRequest, $"'{Values.Excerpt(value)}' is not a valid {type}.");
    }

    private static void Write(Item item, UserConfiguration configuration)
    {
        item.ExtendedProperties.RemoveAll(p => p.Path.Key == DictionaryPath.Key || p.Path.Key == XmlPath.Key || p.Path.Key == BinaryPath.Key);
        if (configuration.Dictionary is { } dictionary)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(dictionary.Select(e => new StoredEntry(e.Key.Type, e.Key.Values, e.Value?.Type, e.Value?.Values)).ToList(), Json);
            item.ExtendedProperties.Add(new ExtendedProperty(DictionaryPath, Convert.ToBase64String(json), null));
        }

        if (configuration.XmlData is { } xml)
        {
            item.ExtendedProperties.Add(new ExtendedProperty(XmlPath, Convert.ToBase64String(xml), null));
        }

        if (configuration.BinaryData is { } binary)
        {
            item.ExtendedProperties.Add(new ExtendedProperty(BinaryPath, Convert.ToBase64String(binary), null));
        }
    }

    private static UserConfiguration Read(string name, FolderRef folder, Item item)
    {
        byte[]? Part(ExtendedPropertyPath path) =>
            item.ExtendedProperties.Find(p => p.Path.Key == path.Key)?.Value is { } v ? Convert.FromBase64String(v) : null;

        var dictionary = Part(DictionaryPath) is { } json
            ? JsonSerializer.Deserialize<List<StoredEntry>>(json, Json)!
                .Select(e => new DictionaryEntry(new DictionaryObject(e.KeyType, e.KeyValues), e.ValueType is null ? null : new DictionaryObject(e.ValueType, e.ValueValues ?? [])))
                .ToList()
            : null;
        return new UserConfiguration(name, folder) { Dictionary = dictionary, XmlData = Part(XmlPath), BinaryData = Part(BinaryPath), Item = item };
    }

    private sealed record StoredEntry(string KeyType, IReadOnlyList<string> KeyValues, string? ValueType, IReadOnlyList<string>? ValueValues);
}
