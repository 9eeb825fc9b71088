using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>The folder operations' requests read from XML: the whole request's part first (counted), each entry in its turn.</summary>
public static class FolderReaders
{
    /// <summary>GetFolder: the shape and the ids (counted).</summary>
    public static async Task<(ItemShape Shape, List<XElement> Ids)> GetFolderAsync(EwsRequest request)
    {
        var shape = request.ReadShape(EwsRequest.Required(request.Operation, "FolderShape"));
        var ids = await request.IdsAsync(EwsRequest.Required(request.Operation, "FolderIds"));
        return (shape, ids);
    }

    /// <summary>CreateFolder: the parent and the new folders (counted).</summary>
    public static async Task<(FolderRef Parent, List<XElement> Folders)> CreateFolderAsync(EwsRequest request)
    {
        var parent = ItemReader.ReadFolderRef(ItemReader.OnlyChild(EwsRequest.Required(request.Operation, "ParentFolderId"), "folder id"));
        var folders = await request.BatchAsync(EwsRequest.Required(request.Operation, "Folders"), request.Limits.MaxFoldersPerCreate, "folders", nameof(RequestLimits.MaxFoldersPerCreate));
        return (parent, folders);
    }

    /// <summary>One folder of a CreateFolder.</summary>
    public static NewFolder NewFolder(XElement e)
    {
        var folderClass = e.Name.LocalName switch
        {
            "Folder" => null,
            "CalendarFolder" => "IPF.Appointment",
            "ContactsFolder" => "IPF.Contact",
            "TasksFolder" => "IPF.Task",
            _ => throw SoapRequest.Schema(e, $"Creating a '{Values.Excerpt(e.Name.LocalName)}' is not supported."),
        };
        string? displayName = null;
        var properties = new List<ExtendedProperty>();
        IReadOnlyList<RequestedPermission>? permissions = null;
        foreach (var child in e.Elements())
        {
            switch (child.Name.LocalName)
            {
                case "FolderClass":
                    folderClass = child.Value;
                    break;
                case "DisplayName":
                    displayName = child.Value;
                    break;
                case "ExtendedProperty":
                    properties.Add(ItemReader.ReadExtendedProperty(child));
                    break;
                case "PermissionSet":
                    permissions = PermissionReaders.Read(child);
                    break;
                default:
                    throw ItemReader.Unexpected(child);
            }
        }

        return new NewFolder(folderClass, displayName, properties, permissions);
    }

    /// <summary>UpdateFolder: the changes (counted, with their updates).</summary>
    public static Task<List<XElement>> UpdateFolderAsync(EwsRequest request) =>
        request.ChangesAsync(EwsRequest.Required(request.Operation, "FolderChanges"), "Folder");

    /// <summary>One FolderChange: the folder and its updates, with the values they set.</summary>
    public static FolderChange FolderChange(XElement change)
    {
        var reference = ItemReader.ReadFolderRef(ItemReader.FirstChild(change, "folder id"));
        var updates = change.Element(Ews.T + "Updates") ?? throw SoapRequest.Schema(change, "FolderChange needs Updates.");
        var list = new List<FolderUpdate>();
        foreach (var update in updates.Elements())
        {
            var path = ItemReader.ReadPath(ItemReader.FirstChild(update, "property path"));
            var value = update.Elements().Skip(1).FirstOrDefault()?.Elements().FirstOrDefault();
            var action = update.Name.LocalName switch
            {
                "SetFolderField" => UpdateAction.Set,
                "AppendToFolderField" => UpdateAction.Append,
                _ => UpdateAction.Delete,
            };
            var extended = action == UpdateAction.Set && path is ExtendedPath && value?.Name.LocalName == "ExtendedProperty"
                ? ItemReader.ReadExtendedProperty(value)
                : null;
            var permissions = action != UpdateAction.Delete && value?.Name.LocalName == "PermissionSet" ? PermissionReaders.Read(value) : null;
            list.Add(new FolderUpdate(action, path, value?.Name.LocalName, value?.Value, extended, permissions));
        }

        return new FolderChange(reference, list);
    }

    /// <summary>DeleteFolder: the ids (counted); every DeleteType deletes the folder for good for now.</summary>
    public static Task<List<XElement>> DeleteFolderAsync(EwsRequest request)
    {
        var deleteType = ItemReader.RequiredAttribute(request.Operation, "DeleteType");
        if (deleteType is not (SchemaValues.DisposalType.HardDelete or SchemaValues.DisposalType.SoftDelete or SchemaValues.DisposalType.MoveToDeletedItems))
        {
            throw SoapRequest.Schema(request.Operation, $"The value '{Values.Excerpt(deleteType)}' is not a valid DisposalType.");
        }

        return request.IdsAsync(EwsRequest.Required(request.Operation, "FolderIds"));
    }

    /// <summary>EmptyFolder: how to delete, whether subfolders go too, and the folders (counted).</summary>
    public static async Task<(DeleteMode Mode, bool DeleteSubFolders, List<XElement> Ids)> EmptyFolderAsync(EwsRequest request)
    {
        var op = request.Operation;
        var deleteType = Values.Enum(op, ItemReader.RequiredAttribute(op, "DeleteType"), SchemaValues.DisposalType.All, "DisposalType");
        var subFolders = Values.Bool(op, ItemReader.RequiredAttribute(op, "DeleteSubFolders"));
        var ids = await request.IdsAsync(EwsRequest.Required(op, "FolderIds"));
        return (Enum.Parse<DeleteMode>(deleteType), subFolders, ids);
    }

    /// <summary>MoveFolder or CopyFolder: the destination and the folders (counted).</summary>
    public static async Task<(FolderRef Target, List<XElement> Ids)> MoveOrCopyFolderAsync(EwsRequest request)
    {
        var op = request.Operation;
        var target = ItemReader.ReadFolderRef(EwsRequest.Required(op, "ToFolderId").Elements().SingleOrDefault() ?? throw SoapRequest.Schema(op, "ToFolderId needs a folder."));
        var ids = await request.IdsAsync(EwsRequest.Required(op, "FolderIds"));
        return (target, ids);
    }

    /// <summary>
    /// FindFolder: what to find under each parent, the shape, the restriction (compiled for each parent, whose error it
    /// then is) and the parents (counted).
    /// </summary>
    public static async Task<(FindFolderRequest Find, ItemShape Shape, Func<Func<Folder, bool>>? Restriction, List<XElement> Parents)> FindFolderAsync(EwsRequest request)
    {
        var traversal = ItemReader.RequiredAttribute(request.Operation, "Traversal");
        if (traversal is not (SchemaValues.FolderQueryTraversalType.Shallow or SchemaValues.FolderQueryTraversalType.Deep or SchemaValues.FolderQueryTraversalType.SoftDeleted))
        {
            throw SoapRequest.Schema(request.Operation, $"The value '{Values.Excerpt(traversal)}' is not a valid FolderQueryTraversalType.");
        }

        var shape = request.ReadShape(EwsRequest.Required(request.Operation, "FolderShape"));
        var paging = PagingReader.Read(request.Operation, "IndexedPageFolderView", "FractionalPageFolderView", request.Limits.MaxFindCount);
        var restriction = request.Operation.Element(Ews.M + "Restriction");
        if (restriction is not null)
        {
            request.Limits.CheckRestriction(restriction);
        }

        var parents = await request.IdsAsync(EwsRequest.Required(request.Operation, "ParentFolderIds"));
        return (new FindFolderRequest(traversal, paging, FolderWriter.WantsPermissions(shape)), shape, restriction is null ? null : () => FolderRestriction.FromRestriction(restriction), parents);
    }
}

/// <summary>Folder restrictions: the folder fields DavMail and exchangelib filter on.</summary>
internal static class FolderRestriction
{
    public static Func<Folder, bool> FromRestriction(XElement restriction)
    {
        var expression = restriction.Elements().SingleOrDefault() ?? throw SoapRequest.Schema(restriction, "A Restriction holds exactly one search expression.");
        return Compile(expression);
    }

    private static Func<Folder, bool> Compile(XElement e)
    {
        switch (e.Name.LocalName)
        {
            case "And":
            {
                var parts = e.Elements().Select(Compile).ToArray();
                return f => parts.All(p => p(f));
            }

            case "Or":
            {
                var parts = e.Elements().Select(Compile).ToArray();
                return f => parts.Any(p => p(f));
            }

            case "Not":
            {
                var inner = Compile(ItemReader.OnlyChild(e, "search expression"));
                return f => !inner(f);
            }

            case "IsEqualTo" or "IsNotEqualTo" or "Contains":
                var path = ItemReader.ReadPath(ItemReader.FirstChild(e, "property path"));
                var constant = e.Descendants(Ews.T + "Constant").FirstOrDefault()?.Attribute("Value")?.Value ?? "";
                Func<Folder, string?> get = path switch
                {
                    FieldPath { Uri: "folder:DisplayName" } => f => f.DisplayName,
                    FieldPath { Uri: "folder:FolderClass" } => f => f.FolderClass,
                    ExtendedPath { Path.Key: "tag:3001" or "tag:10f3" } => f => f.DisplayName,
                    ExtendedPath { Path.Key: "tag:3613" } => f => f.FolderClass,
                    _ => throw new EwsException(ResponseCodes.ErrorUnsupportedPathForQuery, $"The property path '{path.Describe()}' cannot be used in a folder restriction."),
                };
                if (e.Name.LocalName == "IsEqualTo")
                {
                    return f => string.Equals(get(f), constant, StringComparison.OrdinalIgnoreCase);
                }

                if (e.Name.LocalName == "IsNotEqualTo")
                {
                    return f => !string.Equals(get(f), constant, StringComparison.OrdinalIgnoreCase);
                }

                // Contains as the item restrictions read it: the mode (exchangelib's startswith is Prefixed) and the
                // comparison (Exact is case-sensitive, its istartswith IgnoreCase).
                var mode = (string?)e.Attribute("ContainmentMode") ?? SchemaValues.ContainmentModeType.Substring;
                var how = (string?)e.Attribute("ContainmentComparison") is SchemaValues.ContainmentComparisonType.Exact or SchemaValues.ContainmentComparisonType.IgnoreNonSpacingCharacters
                    ? StringComparison.Ordinal
                    : StringComparison.OrdinalIgnoreCase;
                Func<string, bool> test = mode switch
                {
                    SchemaValues.ContainmentModeType.FullString => s => string.Equals(s, constant, how),
                    SchemaValues.ContainmentModeType.Prefixed => s => s.StartsWith(constant, how),
                    SchemaValues.ContainmentModeType.PrefixOnWords => s => s.Split(' ', '\t', '\n').Any(w => w.StartsWith(constant, how)),
                    SchemaValues.ContainmentModeType.Substring or SchemaValues.ContainmentModeType.ExactPhrase => s => s.Contains(constant, how),
                    _ => throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(mode)}' is not a valid ContainmentModeType."),
                };
                return f => get(f) is { } value && test(value);
            default:
                throw new EwsException(ResponseCodes.ErrorUnsupportedQueryFilter, $"The filter '{Values.Excerpt(e.Name.LocalName)}' is not supported on folders.");
        }
    }
}
