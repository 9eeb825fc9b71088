using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// The value of an element kept in its element form (issue 14's raw storage: the element's XML under its generated
/// definition), read and written by the item types that give it a meaning. Keeping that form means no stored item
/// changes shape: what issue 14 stored raw is read with its meaning now.
/// </summary>
public static class RawValue
{
    public static XElement? Element(Item item, PropertyDefinition definition) =>
        item.Properties.GetRef<string>(definition) is { } xml ? XElement.Parse(xml) : null;

    /// <summary>The element's text, or null when the item has no such element.</summary>
    public static string? Text(Item item, PropertyDefinition definition) => Element(item, definition)?.Value;

    public static void Put(Item item, PropertyDefinition definition, XElement? element) =>
        item.Properties.Set(definition, element is null ? null : new XElement(element).ToString(SaveOptions.DisableFormatting));

    public static void PutText(Item item, PropertyDefinition definition, string? text) =>
        Put(item, definition, text is null ? null : new XElement(Ews.T + definition.Element, text));

    /// <summary>How a raw element of <paramref name="schemaType"/> compares in restrictions and sorts.</summary>
    public static ValueKind KindOf(string? schemaType) => schemaType switch
    {
        "xs:boolean" => ValueKind.Boolean,
        "xs:int" or "xs:long" or "xs:short" or "xs:unsignedInt" => ValueKind.Integer,
        "xs:dateTime" => ValueKind.DateTime,
        _ => ValueKind.String,
    };

    /// <summary>The comparable value of a raw element: typed for simple types, each string of a string array, else its text.</summary>
    public static Func<Item, object?> Comparable(PropertyDefinition definition)
    {
        var kind = KindOf(definition.SchemaType);
        if (definition.SchemaType == "t:ArrayOfStringsType")
        {
            return i => Element(i, definition) is { } e ? e.Elements().Select(s => (object?)s.Value).ToArray() : null;
        }

        return i => Text(i, definition) is { } text ? Convert(text, kind) : null;
    }

    public static object? Convert(string text, ValueKind kind) => kind switch
    {
        ValueKind.DateTime => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d.UtcDateTime : text,
        _ => Restriction.Convert(text, kind),
    };
}

/// <summary>
/// A contact's indexed fields (EmailAddresses, PhoneNumbers, ImAddresses, PhysicalAddresses), addressed by
/// IndexedFieldURI (a FieldURI and a FieldIndex, the entry's Key; a physical address also names its sub-field).
/// Each dictionary is one element holding its entries, in the order of the Key enumeration.
/// </summary>
public sealed record IndexedField(string Uri, PropertyDefinition Container, IReadOnlyList<string> Keys, string? Subfield)
{
    private static readonly string[] PhysicalParts = ["Street", "City", "State", "CountryOrRegion", "PostalCode"];

    private static readonly Dictionary<string, IndexedField> ByUri = new IndexedField[]
    {
        new("contacts:EmailAddress", ItemProperties.ContactItemType_EmailAddresses, [.. SchemaValues.EmailAddressKeyType.All.Order(StringComparer.Ordinal)], null),
        new("contacts:PhoneNumber", ItemProperties.ContactItemType_PhoneNumbers, PhoneKeys(), null),
        new("contacts:ImAddress", ItemProperties.ContactItemType_ImAddresses, [.. SchemaValues.ImAddressKeyType.All.Order(StringComparer.Ordinal)], null),
    }.Concat(PhysicalParts.Select(p => new IndexedField("contacts:PhysicalAddress:" + p, ItemProperties.ContactItemType_PhysicalAddresses,
        [SchemaValues.PhysicalAddressKeyType.Home, SchemaValues.PhysicalAddressKeyType.Business, SchemaValues.PhysicalAddressKeyType.Other], p)))
        .ToDictionary(f => f.Uri, StringComparer.Ordinal);

    private static string[] PhoneKeys() =>
    [
        SchemaValues.PhoneNumberKeyType.AssistantPhone, SchemaValues.PhoneNumberKeyType.BusinessFax, SchemaValues.PhoneNumberKeyType.BusinessPhone,
        SchemaValues.PhoneNumberKeyType.BusinessPhone2, SchemaValues.PhoneNumberKeyType.Callback, SchemaValues.PhoneNumberKeyType.CarPhone,
        SchemaValues.PhoneNumberKeyType.CompanyMainPhone, SchemaValues.PhoneNumberKeyType.HomeFax, SchemaValues.PhoneNumberKeyType.HomePhone,
        SchemaValues.PhoneNumberKeyType.HomePhone2, SchemaValues.PhoneNumberKeyType.Isdn, SchemaValues.PhoneNumberKeyType.MobilePhone,
        SchemaValues.PhoneNumberKeyType.OtherFax, SchemaValues.PhoneNumberKeyType.OtherTelephone, SchemaValues.PhoneNumberKeyType.Pager,
        SchemaValues.PhoneNumberKeyType.PrimaryPhone, SchemaValues.PhoneNumberKeyType.RadioPhone, SchemaValues.PhoneNumberKeyType.Telex,
        SchemaValues.PhoneNumberKeyType.TtyTddPhone, SchemaValues.PhoneNumberKeyType.BusinessMobile, SchemaValues.PhoneNumberKeyType.IPPhone,
        SchemaValues.PhoneNumberKeyType.Mms, SchemaValues.PhoneNumberKeyType.Msn,
    ];

    /// <summary>The dictionaries, by their element's definition.</summary>
    public static readonly IReadOnlySet<PropertyDefinition> Containers = ByUri.Values.Select(f => f.Container).ToHashSet();

    /// <summary>The indexed field a path names, its FieldIndex checked against its Key enumeration.</summary>
    public static IndexedField Resolve(IndexedPath path)
    {
        if (!ByUri.TryGetValue(path.Uri, out var field))
        {
            throw new EwsException(ResponseCodes.ErrorInvalidPropertyRequest, $"The indexed property '{Values.Excerpt(path.Uri)}' is not supported on items of this type.");
        }

        if (!field.Keys.Contains(path.Index))
        {
            throw new EwsException(field.Uri == "contacts:EmailAddress" ? ResponseCodes.ErrorInvalidContactEmailIndex : ResponseCodes.ErrorInvalidPropertyRequest,
                $"'{Values.Excerpt(path.Index)}' is not a valid FieldIndex for '{field.Uri}'.");
        }

        return field;
    }

    /// <summary>The indexed field a path names, or null (a shape asking for what an item does not have is no error).</summary>
    public static IndexedField? Find(IndexedPath path) => ByUri.GetValueOrDefault(path.Uri);

    /// <summary>The dictionary <paramref name="container"/> with only the entries of <paramref name="keys"/>; nothing when it has none of them.</summary>
    public static void WriteEntries(EwsWriter w, Item item, PropertyDefinition container, IReadOnlySet<string> keys)
    {
        var stored = RawValue.Element(item, container);
        var entries = stored?.Elements().Where(e => (string?)e.Attribute("Key") is { } k && keys.Contains(k)).ToList();
        if (entries is not { Count: > 0 })
        {
            return;
        }

        new XElement(stored!.Name, entries).WriteTo(w.Xml);
    }

    /// <summary>Whether the item's type has this dictionary (a contact).</summary>
    public bool AppliesTo(Item item) => item.Kind == ItemKind.Contact;

    /// <summary>The entry's value (its text, or its sub-field's), or null.</summary>
    public string? Read(Item item, string key)
    {
        var entry = Entry(RawValue.Element(item, Container), key);
        return entry is null ? null : Subfield is null ? entry.Value : entry.Element(Ews.T + Subfield)?.Value;
    }

    /// <summary>SetItemField: the one entry of <paramref name="key"/> in the dictionary element sent replaces the stored one (for a physical address, its sub-field).</summary>
    public void Set(Item item, string key, XElement dictionary)
    {
        if (dictionary.Name.LocalName != Container.Element)
        {
            throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The property path '{Uri}' does not match the element '{Values.Excerpt(dictionary.Name.LocalName)}'.");
        }

        var sent = Entry(dictionary, key) ?? throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The update of '{Uri}' needs an Entry with Key '{key}'.");
        var stored = RawValue.Element(item, Container) ?? new XElement(Ews.T + Container.Element);
        if (Subfield is null)
        {
            Entry(stored, key)?.Remove();
            stored.Add(new XElement(sent));
        }
        else
        {
            var part = sent.Element(Ews.T + Subfield) ?? throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The update of '{Uri}' needs its {Subfield}.");
            var entry = Entry(stored, key);
            if (entry is null)
            {
                entry = new XElement(Ews.T + "Entry", new XAttribute("Key", key));
                stored.Add(entry);
            }

            entry.Element(Ews.T + Subfield)?.Remove();
            entry.Add(new XElement(part));
            var ordered = entry.Elements().OrderBy(e => Array.IndexOf(PhysicalParts, e.Name.LocalName)).ToList();
            entry.ReplaceNodes(ordered);
        }

        RawValue.Put(item, Container, Normalize(stored, Keys));
    }

    /// <summary>DeleteItemField: the entry goes (for a physical address, its sub-field; the entry with it when it was the last); absent is no error, as in Exchange.</summary>
    public void Delete(Item item, string key)
    {
        var stored = RawValue.Element(item, Container);
        var entry = Entry(stored, key);
        if (stored is null || entry is null)
        {
            return;
        }

        if (Subfield is null)
        {
            entry.Remove();
        }
        else
        {
            entry.Element(Ews.T + Subfield)?.Remove();
            if (!entry.HasElements)
            {
                entry.Remove();
            }
        }

        RawValue.Put(item, Container, stored.HasElements ? stored : null);
    }

    private static XElement? Entry(XElement? dictionary, string key) =>
        dictionary?.Elements(Ews.T + "Entry").LastOrDefault(e => (string?)e.Attribute("Key") == key);

    /// <summary>A dictionary as sent on CreateItem or a whole SetItemField: each Key valid and once (the last wins), in Key order.</summary>
    public static XElement Normalize(XElement dictionary, IReadOnlyList<string> keys)
    {
        var entries = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var entry in dictionary.Elements())
        {
            var key = (string?)entry.Attribute("Key") ?? "";
            if (!keys.Contains(key))
            {
                throw new EwsException(dictionary.Name.LocalName == "EmailAddresses" ? ResponseCodes.ErrorInvalidContactEmailIndex : ResponseCodes.ErrorInvalidPropertySet,
                    $"'{Values.Excerpt(key)}' is not a valid Key in '{dictionary.Name.LocalName}'.");
            }

            entries[key] = entry;
        }

        return new XElement(dictionary.Name, keys.Where(entries.ContainsKey).Select(k => new XElement(entries[k])));
    }

    /// <summary>The dictionary's keys, for the one <paramref name="container"/> names.</summary>
    public static IReadOnlyList<string> KeysOf(PropertyDefinition container) => ByUri.Values.First(f => f.Container == container).Keys;
}

/// <summary>
/// The properties Contact, DistributionList, Task and PostItem give a meaning to, over the raw element storage; every
/// other element of their types stays raw (<see cref="RawElements"/>). Each list is in its type's xs:sequence order.
/// </summary>
public static class ItemTypes
{
    // ContactItemType

    /// <summary>FileAs: as given, else computed from FileAsMapping (LastCommaFirst when none is given), as Outlook files a contact.</summary>
    public static readonly PropertyDef FileAs = Computed(ItemProperties.ContactItemType_FileAs, ContactFileAs);

    /// <summary>DisplayName: as given, else the name parts (or the company).</summary>
    public static readonly PropertyDef DisplayName = Computed(ItemProperties.ContactItemType_DisplayName, ContactDisplayName);

    public static readonly PropertyDef CompleteName = new()
    {
        Uri = "contacts:CompleteName",
        Element = "CompleteName",
        Has = (i, _) => CompleteNameValues(i).Any(v => v is not null),
        Write = (w, i, _) =>
        {
            var v = CompleteNameValues(i);
            w.StartT("CompleteName");
            void T(string element, string? value)
            {
                if (value is not null)
                {
                    w.T(element, value);
                }
            }

            // CompleteNameType's sequence; a contact has no Title element (PidTagDisplayNamePrefix is not modeled).
            T("FirstName", v[0]);
            T("MiddleName", v[1]);
            T("LastName", v[2]);
            T("Suffix", v[3]);
            T("Initials", v[4]);
            T("FullName", v[5]);
            T("Nickname", v[6]);
            T("YomiFirstName", v[7]);
            T("YomiLastName", v[8]);
            w.End();
        },
        Value = i => ContactDisplayName(i),
    };

    public static readonly PropertyDef EmailAddresses = Dictionary(ItemProperties.ContactItemType_EmailAddresses);
    public static readonly PropertyDef PhysicalAddresses = Dictionary(ItemProperties.ContactItemType_PhysicalAddresses);
    public static readonly PropertyDef PhoneNumbers = Dictionary(ItemProperties.ContactItemType_PhoneNumbers);
    public static readonly PropertyDef ImAddresses = Dictionary(ItemProperties.ContactItemType_ImAddresses);

    public static readonly PropertyDef GivenName = Limited(ItemProperties.ContactItemType_GivenName, 255);
    public static readonly PropertyDef MiddleName = Limited(ItemProperties.ContactItemType_MiddleName, 255);
    public static readonly PropertyDef Surname = Limited(ItemProperties.ContactItemType_Surname, 255);

    public static readonly PropertyDef?[] ContactExtra =
    [
        FileAs, DisplayName, GivenName, MiddleName, CompleteName, EmailAddresses, PhysicalAddresses, PhoneNumbers, ImAddresses, Surname,
    ];

    // DistributionListType

    public static readonly PropertyDef ListDisplayName = Raw(ItemProperties.DistributionListType_DisplayName);

    /// <summary>A list is filed as given, else as its display name.</summary>
    public static readonly PropertyDef ListFileAs = Computed(ItemProperties.DistributionListType_FileAs, i => RawValue.Text(i, ItemProperties.DistributionListType_DisplayName));

    public static readonly PropertyDef Members = new()
    {
        Uri = "distributionlist:Members",
        Element = "Members",
        Since = ItemProperties.DistributionListType_Members.Since,
        Has = (i, _) => RawValue.Element(i, ItemProperties.DistributionListType_Members)?.HasElements == true,
        Write = (w, i, _) => RawValue.Element(i, ItemProperties.DistributionListType_Members)!.WriteTo(w.Xml),
        Set = (e, i, _) => RawValue.Put(i, ItemProperties.DistributionListType_Members, ReadMembers(e, null)),
        Append = (e, i, _) => RawValue.Put(i, ItemProperties.DistributionListType_Members, ReadMembers(e, RawValue.Element(i, ItemProperties.DistributionListType_Members))),
        Delete = i => i.Properties.Remove(ItemProperties.DistributionListType_Members),
        Value = i => RawValue.Element(i, ItemProperties.DistributionListType_Members) is { } m
            ? m.Elements().Select(x => (object?)x.Element(Ews.T + "Mailbox")?.Element(Ews.T + "EmailAddress")?.Value).ToArray()
            : null,
    };

    public static readonly PropertyDef?[] DistributionListExtra = [ListDisplayName, ListFileAs, Members];

    // TaskType

    public static readonly PropertyDef TaskCompleteDate = new()
    {
        Uri = "task:CompleteDate",
        Element = "CompleteDate",
        Type = ValueKind.DateTime,
        Has = (i, _) => i.Properties.Contains(ItemProperties.TaskType_CompleteDate),
        Write = (w, i, _) => w.T("CompleteDate", TaskRules.CompleteDate(i)!.Value),
        Set = (e, i, c) =>
        {
            var at = Values.StoredDateTime(e, c.TimeZone);
            // A task cannot have been completed later than now (two minutes of grace for the client's clock).
            if (c.Now is { } now && at > now.AddMinutes(2))
            {
                throw new EwsException(ResponseCodes.ErrorInvalidCompleteDate, "The CompleteDate of a task cannot be in the future.");
            }

            TaskRules.SetCompleteDate(i, at);
        },
        Delete = i => i.Properties.Remove(ItemProperties.TaskType_CompleteDate),
        Value = i => TaskRules.CompleteDate(i),
    };

    public static readonly PropertyDef TaskIsComplete = ReadOnlyBool("task:IsComplete", "IsComplete", TaskRules.IsComplete);

    public static readonly PropertyDef TaskIsRecurring = ReadOnlyBool("task:IsRecurring", "IsRecurring", i => Recurrences.TaskRecurrenceOf(i) is not null);

    /// <summary>Owner: the mailbox owner who created the task (read-only, as Exchange).</summary>
    public static readonly PropertyDef TaskOwner = ReadOnly(Raw(ItemProperties.TaskType_Owner));

    public static readonly PropertyDef TaskPercentComplete = new()
    {
        Uri = "task:PercentComplete",
        Element = "PercentComplete",
        Has = (_, _) => true,
        Write = (w, i, _) => w.T("PercentComplete", TaskRules.FormatPercent(TaskRules.Percent(i))),
        Set = (e, i, _) => TaskRules.SetPercent(i, TaskRules.ReadPercent(e)),
        Delete = i => TaskRules.SetPercent(i, 0),
        Value = i => TaskRules.FormatPercent(TaskRules.Percent(i)),
    };

    public static readonly PropertyDef TaskStatus = new()
    {
        Uri = "task:Status",
        Element = "Status",
        Has = (_, _) => true,
        Write = (w, i, _) => w.T("Status", TaskRules.Status(i)),
        Set = (e, i, _) => TaskRules.SetStatus(i, Values.Enum(e, SchemaValues.TaskStatusType.All, "TaskStatusType")),
        Delete = i => TaskRules.SetStatus(i, SchemaValues.TaskStatusType.NotStarted),
        Value = TaskRules.Status,
    };

    public static readonly PropertyDef TaskStatusDescription = new()
    {
        Uri = "task:StatusDescription",
        Element = "StatusDescription",
        Has = (_, _) => true,
        Write = (w, i, _) => w.T("StatusDescription", TaskRules.Description(TaskRules.Status(i))),
        Value = i => TaskRules.Description(TaskRules.Status(i)),
    };

    public static readonly PropertyDef?[] TaskExtra = [TaskCompleteDate, TaskIsComplete, TaskIsRecurring, TaskOwner, TaskPercentComplete, Recurrences.Task, TaskStatus, TaskStatusDescription];

    // PostItemType

    /// <summary>A post's topic is its subject, unless one was given.</summary>
    public static readonly PropertyDef PostConversationTopic = Computed(ItemProperties.PostItemType_ConversationTopic, i => i.Subject);

    /// <summary>When the post was posted: as given (an imported post), else when it was created.</summary>
    public static readonly PropertyDef PostedTime = new()
    {
        Uri = "postitem:PostedTime",
        Element = "PostedTime",
        Since = ExchangeVersion.Exchange2007_SP1,
        Type = ValueKind.DateTime,
        Has = (_, _) => true,
        Write = (w, i, c) =>
        {
            if (RawValue.Element(i, ItemProperties.PostItemType_PostedTime) is { } given)
            {
                given.WriteTo(w.Xml);
                return;
            }

            w.T("PostedTime", i.DateTimeCreated);
        },
        Set = RawElements.For(ItemProperties.PostItemType_PostedTime).Set,
        Delete = RawElements.For(ItemProperties.PostItemType_PostedTime).Delete,
        Value = i => RawValue.Text(i, ItemProperties.PostItemType_PostedTime) is { } t ? RawValue.Convert(t, ValueKind.DateTime) : i.DateTimeCreated,
    };

    public static readonly PropertyDef?[] PostExtra = [PostConversationTopic, PostedTime];

    /// <summary>
    /// Paths Exchange refuses in a restriction (ErrorUnsupportedPathForQuery). Note: exchangelib's suite checks each
    /// one it marks unsearchable is refused by the server: the culture, MIME content, binary contact fields, a
    /// contact's companies, a task's status and recurrence, a calendar item's UID, IsResponseRequested and zones.
    /// </summary>
    public static readonly IReadOnlySet<string> Unsearchable = new HashSet<string>(StringComparer.Ordinal)
    {
        "item:Culture", "item:MimeContent", "task:Status", "task:Recurrence", "contacts:Companies", "contacts:Photo",
        "contacts:UserSMIMECertificate", "contacts:MSExchangeCertificate",
        // A recurrence and a master's occurrence lists are complex values: no restriction compares them (issue 16).
        "calendar:Recurrence", "calendar:FirstOccurrence", "calendar:LastOccurrence", "calendar:ModifiedOccurrences", "calendar:DeletedOccurrences",
        // exchangelib's calendar test_queryset_nonsearchable_fields records these refused too: a meeting's UID (clients
        // find it by its GlobalObjectId property instead), whether a response is asked for, and the time zones.
        "calendar:UID", "calendar:IsResponseRequested", "calendar:StartTimeZone", "calendar:EndTimeZone", "calendar:MeetingTimeZone",
    };

    /// <summary>
    /// What CreateItem does after reading a new item of these types: a task's status, percentage and completion agree
    /// and it has its owner; a contact's dictionaries are normalized.
    /// </summary>
    public static void Created(Item item, ReadContext context)
    {
        switch (item.Kind)
        {
            case ItemKind.Task:
                TaskRules.Settle(item, context.Now);
                if (context.User is { } user && !item.Properties.Contains(ItemProperties.TaskType_Owner))
                {
                    RawValue.PutText(item, ItemProperties.TaskType_Owner, user.Name ?? user.Address);
                }

                TaskFields.Created(item);
                break;
            case ItemKind.PostItem:
                if (context.User is { } poster)
                {
                    // A post is from whoever posts it.
                    var from = new XElement(Ews.T + "From", MailboxElement(poster));
                    RawValue.Put(item, ItemProperties.PostItemType_From, from);
                    RawValue.Put(item, ItemProperties.PostItemType_Sender, new XElement(Ews.T + "Sender", MailboxElement(poster)));
                }

                break;
            default:
                break;
        }
    }

    /// <summary>What UpdateItem does after each change of a task field: the other fields follow (Status and PercentComplete, completion).</summary>
    public static void Changed(Item item, ReadContext context)
    {
        if (item.Kind == ItemKind.Task)
        {
            TaskRules.Settle(item, context.Now);
        }
    }

    private static XElement MailboxElement(EmailAddress a) => new(Ews.T + "Mailbox",
        a.Name is null ? null : new XElement(Ews.T + "Name", a.Name),
        new XElement(Ews.T + "EmailAddress", a.Address),
        new XElement(Ews.T + "RoutingType", a.RoutingType ?? "SMTP"),
        new XElement(Ews.T + "MailboxType", a.MailboxType ?? SchemaValues.MailboxTypeType.Mailbox));

    private static PropertyDef Raw(PropertyDefinition definition) => RawElements.For(definition);

    private static PropertyDef ReadOnly(PropertyDef def) => new()
    {
        Uri = def.Uri,
        Element = def.Element,
        Since = def.Since,
        Type = def.Type,
        Has = def.Has,
        Write = def.Write,
        Value = def.Value,
    };

    private static PropertyDef ReadOnlyBool(string uri, string element, Func<Item, bool> get) => new()
    {
        Uri = uri,
        Element = element,
        Type = ValueKind.Boolean,
        Has = (_, _) => true,
        Write = (w, i, _) => w.T(element, get(i)),
        Value = i => get(i),
    };

    /// <summary>A name part of at most <paramref name="max"/> characters; Exchange refuses a longer one (ErrorPropertyUpdate).</summary>
    private static PropertyDef Limited(PropertyDefinition definition, int max)
    {
        var raw = RawElements.For(definition);
        return new PropertyDef
        {
            Uri = raw.Uri,
            Element = raw.Element,
            Since = raw.Since,
            Type = raw.Type,
            Has = raw.Has,
            Write = raw.Write,
            Set = (e, i, c) =>
            {
                if (e.Value.Length > max)
                {
                    throw new EwsException(ResponseCodes.ErrorPropertyUpdate, string.Create(CultureInfo.InvariantCulture, $"'{raw.Uri}' holds at most {max} characters."));
                }

                raw.Set!(e, i, c);
            },
            Delete = raw.Delete,
            Value = raw.Value,
        };
    }

    /// <summary>A string element kept as given, or computed when the item has none.</summary>
    private static PropertyDef Computed(PropertyDefinition definition, Func<Item, string?> compute)
    {
        var raw = RawElements.For(definition);
        string? Get(Item i) => RawValue.Text(i, definition) ?? (compute(i) is { Length: > 0 } c ? c : null);
        return new PropertyDef
        {
            Uri = raw.Uri,
            Element = raw.Element,
            Since = raw.Since,
            Has = (i, _) => Get(i) is not null,
            Write = (w, i, _) => w.T(definition.Element, Get(i)!),
            Set = raw.Set,
            Delete = raw.Delete,
            Value = Get,
        };
    }

    /// <summary>A contact dictionary: kept as one element, normalized when set whole.</summary>
    private static PropertyDef Dictionary(PropertyDefinition definition)
    {
        var raw = RawElements.For(definition);
        return new PropertyDef
        {
            Uri = raw.Uri,
            Element = raw.Element,
            Since = raw.Since,
            Has = (i, _) => i.Properties.Contains(definition),
            Write = raw.Write,
            Set = (e, i, _) =>
            {
                var normalized = IndexedField.Normalize(e, IndexedField.KeysOf(definition));
                RawValue.Put(i, definition, normalized.HasElements ? normalized : null);
            },
            Delete = raw.Delete,
            Value = i => RawValue.Element(i, definition) is { } d ? d.Elements().Select(x => (object?)x.Value).ToArray() : null,
        };
    }

    private static string? Part(Item i, PropertyDefinition d) => RawValue.Text(i, d) is { Length: > 0 } s ? s : null;

    private static string? Join(string separator, params string?[] parts) =>
        string.Join(separator, parts.Where(p => !string.IsNullOrEmpty(p))) is { Length: > 0 } s ? s : null;

    private static string? ContactDisplayName(Item i) =>
        Join(" ", Part(i, ItemProperties.ContactItemType_GivenName), Part(i, ItemProperties.ContactItemType_MiddleName), Part(i, ItemProperties.ContactItemType_Surname),
            Part(i, ItemProperties.ContactItemType_Generation))
        ?? Part(i, ItemProperties.ContactItemType_CompanyName);

    /// <summary>FileAs per FileAsMapping ([MS-OXOCNTC] PidLidFileUnderId's meanings); an empty result means none.</summary>
    private static string? ContactFileAs(Item i)
    {
        var first = Part(i, ItemProperties.ContactItemType_GivenName);
        var middle = Part(i, ItemProperties.ContactItemType_MiddleName);
        var last = Part(i, ItemProperties.ContactItemType_Surname);
        var suffix = Part(i, ItemProperties.ContactItemType_Generation);
        var company = Part(i, ItemProperties.ContactItemType_CompanyName);
        var lastCommaFirst = last is not null && first is not null ? last + ", " + first : last ?? first;
        return RawValue.Text(i, ItemProperties.ContactItemType_FileAsMapping) switch
        {
            SchemaValues.FileAsMappingType.FirstSpaceLast => Join(" ", first, last),
            SchemaValues.FileAsMappingType.Company => company,
            SchemaValues.FileAsMappingType.LastCommaFirstCompany => Join(" ", lastCommaFirst, company is null ? null : "(" + company + ")"),
            SchemaValues.FileAsMappingType.CompanyLastFirst => Join(" ", company, lastCommaFirst is null ? null : "(" + lastCommaFirst + ")"),
            SchemaValues.FileAsMappingType.LastFirst => Join("", last, first),
            SchemaValues.FileAsMappingType.LastFirstCompany => Join(" ", Join("", last, first), company),
            SchemaValues.FileAsMappingType.CompanyLastCommaFirst => Join(" ", company, lastCommaFirst),
            SchemaValues.FileAsMappingType.LastFirstSuffix => Join(" ", Join("", last, first), suffix),
            SchemaValues.FileAsMappingType.LastSpaceFirstCompany => Join(" ", last, first, company),
            SchemaValues.FileAsMappingType.CompanyLastSpaceFirst => Join(" ", company, last, first),
            SchemaValues.FileAsMappingType.LastSpaceFirst => Join(" ", last, first),
            SchemaValues.FileAsMappingType.DisplayName => RawValue.Text(i, ItemProperties.ContactItemType_DisplayName) ?? ContactDisplayName(i),
            SchemaValues.FileAsMappingType.FirstName => first,
            SchemaValues.FileAsMappingType.LastFirstMiddleSuffix => Join(" ", Join("", last, first), middle, suffix),
            SchemaValues.FileAsMappingType.LastName => last,
            SchemaValues.FileAsMappingType.Empty => null,
            _ => lastCommaFirst,
        };
    }

    /// <summary>CompleteName's parts in its sequence order (without Title), from the contact's name fields.</summary>
    private static string?[] CompleteNameValues(Item i) =>
    [
        Part(i, ItemProperties.ContactItemType_GivenName),
        Part(i, ItemProperties.ContactItemType_MiddleName),
        Part(i, ItemProperties.ContactItemType_Surname),
        Part(i, ItemProperties.ContactItemType_Generation),
        Part(i, ItemProperties.ContactItemType_Initials),
        Part(i, ItemProperties.ContactItemType_DisplayName) ?? Join(" ", Part(i, ItemProperties.ContactItemType_GivenName), Part(i, ItemProperties.ContactItemType_MiddleName),
            Part(i, ItemProperties.ContactItemType_Surname), Part(i, ItemProperties.ContactItemType_Generation)),
        Part(i, ItemProperties.ContactItemType_Nickname),
        Part(i, ItemProperties.ContactItemType_PhoneticFirstName),
        Part(i, ItemProperties.ContactItemType_PhoneticLastName),
    ];

    /// <summary>
    /// Members as sent, kept as given (a client reads back what it wrote), each Mailbox checked as any recipient is
    /// and its Status one of MemberStatusType; appending a member already there (by address) does not add it twice.
    /// </summary>
    private static XElement ReadMembers(XElement members, XElement? existing)
    {
        var result = existing is null ? new XElement(Ews.T + "Members") : new XElement(existing);
        var seen = result.Elements().Select(m => m.Element(Ews.T + "Mailbox")?.Element(Ews.T + "EmailAddress")?.Value.Trim() ?? "")
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var member in members.Elements())
        {
            if (member.Name != Ews.T + "Member")
            {
                throw ItemReader.Unexpected(member);
            }

            var mailbox = ItemReader.ReadMailbox(member.Element(Ews.T + "Mailbox") ?? throw SoapRequest.Schema(member, "A Member needs a Mailbox."));
            if (member.Element(Ews.T + "Status") is { } status)
            {
                _ = Values.Enum(status, SchemaValues.MemberStatusType.All, "MemberStatusType");
            }

            if (seen.Add(mailbox.Address))
            {
                result.Add(new XElement(member));
            }
        }

        return result;
    }
}

/// <summary>
/// A task's Status, PercentComplete and CompleteDate as Exchange ties them: Completed is 100 percent and has a
/// CompleteDate; 100 percent is Completed; 0 percent of a completed task is NotStarted and a part of a task not started
/// (or completed) is InProgress; a task not completed has no CompleteDate. The field a change names wins.
/// </summary>
public static class TaskRules
{
    private static readonly PropertyDefinition StatusDef = ItemProperties.TaskType_Status;
    private static readonly PropertyDefinition PercentDef = ItemProperties.TaskType_PercentComplete;
    private static readonly PropertyDefinition CompleteDef = ItemProperties.TaskType_CompleteDate;

    // Which of the tied fields was set last, kept only while the item is being changed in this request.
    private static readonly PropertyDefinition LastSet = new("Rendezvous", "TaskLastSet", null, null, ExchangeVersion.Exchange2007, null, null, null);

    public static string Status(Item i) => RawValue.Text(i, StatusDef) ?? SchemaValues.TaskStatusType.NotStarted;

    public static double Percent(Item i) =>
        RawValue.Text(i, PercentDef) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : 0;

    public static bool IsComplete(Item i) => Status(i) == SchemaValues.TaskStatusType.Completed;

    public static DateTime? CompleteDate(Item i) =>
        RawValue.Text(i, CompleteDef) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d.UtcDateTime : null;

    public static string FormatPercent(double percent) => percent.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Exchange's StatusDescription for each status (the text Outlook shows).</summary>
    public static string Description(string status) => status switch
    {
        SchemaValues.TaskStatusType.InProgress => "In Progress",
        SchemaValues.TaskStatusType.Completed => SchemaValues.TaskStatusType.Completed,
        SchemaValues.TaskStatusType.WaitingOnOthers => "Waiting on someone else",
        SchemaValues.TaskStatusType.Deferred => SchemaValues.TaskStatusType.Deferred,
        _ => "Not Started",
    };

    public static double ReadPercent(XElement e) =>
        double.TryParse(e.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100
            ? p
            : throw new EwsException(ResponseCodes.ErrorInvalidPercentCompleteValue, $"PercentComplete must be between 0 and 100, not '{Values.Excerpt(e.Value)}'.");

    public static void SetStatus(Item i, string status)
    {
        RawValue.PutText(i, StatusDef, status);
        i.Properties.Set(LastSet, "Status");
    }

    public static void SetPercent(Item i, double percent)
    {
        RawValue.PutText(i, PercentDef, FormatPercent(percent));
        i.Properties.Set(LastSet, "PercentComplete");
    }

    public static void SetCompleteDate(Item i, DateTime utc)
    {
        RawValue.PutText(i, CompleteDef, XmlConvert.ToString(utc, XmlDateTimeSerializationMode.Utc));
        i.Properties.Set(LastSet, "CompleteDate");
    }

    /// <summary>Brings the tied fields into agreement after a change, the field set last winning.</summary>
    public static void Settle(Item i, DateTime? now)
    {
        var last = i.Properties.GetRef<string>(LastSet);
        i.Properties.Remove(LastSet);
        var status = Status(i);
        var percent = Percent(i);
        switch (last)
        {
            case "CompleteDate":
                status = SchemaValues.TaskStatusType.Completed;
                break;
            case "PercentComplete":
                status = percent >= 100 ? SchemaValues.TaskStatusType.Completed
                    : percent <= 0 && status == SchemaValues.TaskStatusType.Completed ? SchemaValues.TaskStatusType.NotStarted
                    : percent > 0 && status is SchemaValues.TaskStatusType.NotStarted or SchemaValues.TaskStatusType.Completed ? SchemaValues.TaskStatusType.InProgress
                    : status;
                break;
            default:
                break;
        }

        if (status == SchemaValues.TaskStatusType.Completed)
        {
            percent = 100;
        }
        else if (status == SchemaValues.TaskStatusType.NotStarted)
        {
            percent = 0;
        }
        else if (percent >= 100)
        {
            // A task reopened (in progress, waiting, deferred) is not done: it starts again from nothing.
            percent = 0;
        }

        RawValue.PutText(i, StatusDef, status);
        RawValue.PutText(i, PercentDef, FormatPercent(percent));
        if (status != SchemaValues.TaskStatusType.Completed)
        {
            i.Properties.Remove(CompleteDef);
        }
        else if (!i.Properties.Contains(CompleteDef) && now is { } at)
        {
            RawValue.PutText(i, CompleteDef, XmlConvert.ToString(at, XmlDateTimeSerializationMode.Utc));
        }
    }
}

/// <summary>
/// A task's fields for the recurring task rules (<see cref="RecurringTasks"/>): read from and written to the elements
/// the task keeps, with <see cref="TaskRules"/> tying Status, PercentComplete and CompleteDate. ChangeCount is
/// Exchange's count of a task's versions as a series (1 when created, one more each time the series moves on:
/// exchangelib's test_recurring_item), so it is the server's, whatever a client sends.
/// </summary>
public sealed class TaskFields : ITaskFields
{
    public static readonly TaskFields Instance = new();

    private TaskFields()
    {
    }

    public TaskState Read(Item task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskState(Recurrences.TaskRecurrenceOf(task), Date(task, ItemProperties.TaskType_StartDate), Date(task, ItemProperties.TaskType_DueDate),
            TaskRules.IsComplete(task), TaskRules.CompleteDate(task));
    }

    public void Advance(Item task, TaskAdvance advance)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(advance);
        PutDate(task, ItemProperties.TaskType_StartDate, advance.StartDate);
        PutDate(task, ItemProperties.TaskType_DueDate, advance.DueDate);
        task.TaskRecurrence = advance.Recurrence;
        // The next occurrence is not started, whatever the last one was.
        TaskRules.SetStatus(task, SchemaValues.TaskStatusType.NotStarted);
        TaskRules.Settle(task, null);
        RawValue.PutText(task, ItemProperties.TaskType_ChangeCount, (ChangeCount(task) + 1).ToString(CultureInfo.InvariantCulture));
    }

    public void MakeOneOff(Item task)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.TaskRecurrence = null;
    }

    /// <summary>A new task: ChangeCount 1; a recurring one without dates is dated at its first occurrence.</summary>
    internal static void Created(Item task)
    {
        RawValue.PutText(task, ItemProperties.TaskType_ChangeCount, "1");
        if (Recurrences.TaskRecurrenceOf(task) is { } recurrence && !task.Properties.Contains(ItemProperties.TaskType_StartDate)
            && !task.Properties.Contains(ItemProperties.TaskType_DueDate) && RecurringTasks.FirstDue(recurrence) is { } first)
        {
            PutDate(task, ItemProperties.TaskType_StartDate, first);
            PutDate(task, ItemProperties.TaskType_DueDate, first);
        }
    }

    private static int ChangeCount(Item task) =>
        int.TryParse(RawValue.Text(task, ItemProperties.TaskType_ChangeCount), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;

    private static DateTime? Date(Item task, PropertyDefinition definition) =>
        RawValue.Text(task, definition) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d.UtcDateTime : null;

    private static void PutDate(Item task, PropertyDefinition definition, DateTime? utc) =>
        RawValue.PutText(task, definition, utc is { } d ? Values.Format(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null);
}
