using System.Reflection;
using System.Text.RegularExpressions;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Enumerated values come from the schema (<see cref="SchemaValues"/>), never typed by hand: a hand-typed value is how
/// the workflow came to write MeetingRequestType "InformationUpdate", which the schema does not have.
/// </summary>
public sealed partial class SchemaValueLiteralTests
{
    /// <summary>
    /// Checked whether or not product code uses them today: the operation enumerations the server reads and the item
    /// enumerations it writes. Every other enumeration of <see cref="SchemaValues"/> that product code names is checked too.
    /// </summary>
    private static readonly string[] AlwaysChecked =
    [
        "DisposalType", "ConflictResolutionType", "MessageDispositionType", "CalendarItemCreateOrDeleteOperationType",
        "CalendarItemUpdateOperationType", "AffectedTaskOccurrencesType", "ItemQueryTraversalType", "FolderQueryTraversalType",
        "IndexBasePointType", "DefaultShapeNamesType", "BodyTypeType", "BodyTypeResponseType", "ResponseTypeType",
        "LegacyFreeBusyType", "FreeBusyViewType", "SuggestionQuality", "MeetingAttendeeType", "MeetingRequestTypeType",
        "CalendarItemTypeType", "SyncFolderItemsScopeType", "SortDirectionType", "ContainmentModeType",
        "ContainmentComparisonType", "IdFormatType", "ResponseClassType", "SensitivityChoicesType", "ImportanceChoicesType",
    ];

    /// <summary>
    /// Literals equal to an enumeration value that are not uses of the enumeration, by file (path under src/) and why.
    /// A literal in the first argument of a writer or reader call (w.T("End", …), T + "Mailbox", RequiredAttribute(e,
    /// "Mailbox")) is an element or attribute name and needs no entry.
    /// </summary>
    private static readonly Dictionary<(string File, string Literal), string> NotEnumUses = new()
    {
        [("Rendezvous.Edge/Properties.cs", "End")] = "the element name of calendar:End in the property table",
        [("Rendezvous.Edge/Properties.cs", "Organizer")] = "the element name of calendar:Organizer in the property table",
        [("Rendezvous.Edge/Properties.cs", "Contact")] = "the item element Contact (ContactItemType), which MailboxTypeType also names",
        [("Rendezvous.Edge/Properties.cs", "Task")] = "the item element Task (TaskType), which DistinguishedPropertySetType also names",
        [("Rendezvous.Edge/ItemReader.cs", "Contact")] = "the item element Contact read into ItemKind.Contact",
        [("Rendezvous.Edge/ItemReader.cs", "Task")] = "the item element Task read into ItemKind.Task",
        [("Rendezvous.Edge/Recurrences.cs", "Occurrence")] = "the Occurrence element of ModifiedOccurrences (OccurrenceInfoType), which CalendarItemTypeType also names",
        [("Rendezvous.Edge/ItemReader.cs", "Mailbox")] = "the Mailbox element among an Attendee's children",
        [("Rendezvous.Services/FolderService.cs", "DisplayName")] = "the element name of folder:DisplayName, which FileAsMappingType also names",
        [("Rendezvous.Server/Edge/FolderReaders.cs", "DisplayName")] = "the element name of folder:DisplayName, which FileAsMappingType also names",
        [("Rendezvous.Server/Edge/ItemReaders.cs", "Contact")] = "the item element Contact in a CreateItem",
        [("Rendezvous.Server/Edge/ItemReaders.cs", "Task")] = "the item element Task in a CreateItem",
        [("Rendezvous.Client/ResponseReader.cs", "Mailbox")] = "the Mailbox element's name",
        [("Rendezvous.Mime/CalendarReader.cs", "OOF")] = "X-MICROSOFT-CDO-BUSYSTATUS's value OOF, read into LegacyFreeBusyType.OOF",
        [("Rendezvous.Mime/CalendarWriter.cs", "OOF")] = "X-MICROSOFT-CDO-BUSYSTATUS's value OOF, written for LegacyFreeBusyType.OOF",
        [("Rendezvous.Client/EwsClient.cs", "End")] = "the element name of calendar:End in an UpdateItem",
        [("Rendezvous.Client/EwsTransport.cs", "Error")] = "the prefix every ResponseCode in a fault code starts with",
        [("Rendezvous.Store/ItemFormat.cs", "End")] = "a key of the stored JSON format (renaming it is a data migration)",
        [("Rendezvous.Store/ItemFormat.cs", "Organizer")] = "a key of the stored JSON format",
        [("Rendezvous.Store/ItemFormat.cs", "Text")] = "a key of the stored JSON format (a body's text)",
        [("Rendezvous.Store/ItemFormat.cs", "Address")] = "a key of the stored JSON format (an address)",
        [("Rendezvous.Store/ItemFormat.cs", "Mailbox")] = "a key of the stored JSON format (an attendee's mailbox)",
        [("Rendezvous.Domain/DefaultFolders.cs", "Contacts")] = "the contacts folder's English name, which ResolveNamesSearchScopeType also names",
        [("Rendezvous.Server/Edge/UserConfigurationEdge.cs", "All")] = "UserConfigurationPropertyType's All, which ExternalAudience also names",
        [("Rendezvous.Services/PeopleService.cs", "All")] = "MailTipTypes' All (a list type SchemaValues does not carry), which ExternalAudience also names",
        [("Rendezvous.Server/Edge/PeopleEdge.cs", "All")] = "MailTipTypes' All (a list type SchemaValues does not carry), which ExternalAudience also names",
        [("Rendezvous.Server/Edge/PeopleEdge.cs", "Mailbox")] = "the Mailbox element of an ExpandDL",
        [("Rendezvous.Server/Autodiscover/AutodiscoverWire.cs", "User")] = "the autodiscover elements User (POX) and User, UserResponse, UserSetting (SOAP)",
        [("Rendezvous.Server/Autodiscover/AutodiscoverWire.cs", "Mailbox")] = "the Mailbox element of a SOAP autodiscover User",
        [("Rendezvous.Server/Autodiscover/AutodiscoverWire.cs", "DisplayName")] = "the DisplayName element of a POX autodiscover User",
        [("Rendezvous.Server/Autodiscover/AutodiscoverWire.cs", "Error")] = "the Error element of a POX autodiscover error response",
    };

    [Fact]
    public void No_product_code_hand_types_a_value_of_a_schema_enumeration()
    {
        var src = Path.Combine(Processes.RepositoryRoot, "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".g.cs", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToList();
        var enumerations = typeof(SchemaValues).GetNestedTypes().ToDictionary(t => t.Name, t => t
            .GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal));
        Assert.All(AlwaysChecked, name => Assert.True(enumerations.ContainsKey(name), $"{name} is not among the generated SchemaValues"));

        var named = files.SelectMany(f => SchemaValuesUse().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value));
        var checkedNames = AlwaysChecked.Concat(named).Where(enumerations.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var values = checkedNames.SelectMany(n => enumerations[n].Select(v => (Value: v, Type: n))).ToLookup(p => p.Value, p => p.Type, StringComparer.Ordinal);

        var found = new List<string>();
        var allowed = new HashSet<(string, string)>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(src, file).Replace('\\', '/');
            var text = RawString().Replace(File.ReadAllText(file), m => new string('\n', m.Value.Count(c => c == '\n')));
            var lines = text.Split('\n');
            for (var n = 0; n < lines.Length; n++)
            {
                var line = lines[n];
                if (line.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (Match m in Literal().Matches(line))
                {
                    var literal = m.Groups[1].Value;
                    if (!values.Contains(literal) || NameArgument().IsMatch(line[..m.Index]))
                    {
                        continue;
                    }

                    if (NotEnumUses.ContainsKey((relative, literal)))
                    {
                        allowed.Add((relative, literal));
                        continue;
                    }

                    found.Add($"src/{relative}:{n + 1}: \"{literal}\" is a value of {string.Join(", ", values[literal])}: use SchemaValues: {line.Trim()}");
                }
            }
        }

        Assert.True(found.Count == 0, string.Join("\n", found));
        // An entry that no longer matches anything is dead weight that could hide a future enum use.
        var unused = NotEnumUses.Keys.Where(k => !allowed.Contains(k)).Select(k => $"{k.File}: \"{k.Literal}\"").ToList();
        Assert.True(unused.Count == 0, "Allow-list entries that match nothing: " + string.Join(", ", unused));
    }

    [GeneratedRegex(@"\bSchemaValues\.(\w+)\.")]
    private static partial Regex SchemaValuesUse();

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"")]
    private static partial Regex RawString();

    // A regular string literal (not verbatim, not interpolated).
    [GeneratedRegex(@"(?<![@$\w""])""((?:[^""\\\n]|\\.)*)""")]
    private static partial Regex Literal();

    // The literal is the name argument of a writer or reader call, so an element or attribute name.
    [GeneratedRegex(@"(?:\b[TM] \+ |\b(?:T|StartT|StartM|Attr|Element|Elements|Attribute|Required|RequiredAttribute|WriteString|WritePropertyName|Text|Time)\(|\b(?:Required|RequiredAttribute)\(\w+, |\bOptional\(w, )$")]
    private static partial Regex NameArgument();
}
