using System.Xml.Linq;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// GetFolder, FindFolder, CreateFolder, UpdateFolder, DeleteFolder ([MS-OXWSFOLD]): each reads its request, has
/// <see cref="FolderService"/> do each folder with the request's <see cref="Session"/>, and writes the outcomes.
/// </summary>
public static class FolderHandlers
{
    public static async Task<Action<EwsWriter>> GetFolder(EwsRequest request)
    {
        var shape = request.ReadShape(EwsRequest.Required(request.Operation, "FolderShape"));
        var ids = await request.IdsAsync(EwsRequest.Required(request.Operation, "FolderIds"));
        var outcomes = await request.PerItemAsync(ids, e => FolderService.GetAsync(request.Session, ItemReader.ReadFolderRef(e)));
        return WriteFolders(request, "GetFolder", outcomes, shape);
    }

    public static async Task<Action<EwsWriter>> CreateFolder(EwsRequest request)
    {
        var parentRef = ItemReader.ReadFolderRef(ItemReader.OnlyChild(EwsRequest.Required(request.Operation, "ParentFolderId"), "folder id"));
        var folders = await request.BatchAsync(EwsRequest.Required(request.Operation, "Folders"), request.Limits.MaxFoldersPerCreate, "folders", nameof(RequestLimits.MaxFoldersPerCreate));
        var parent = await request.OneAsync(() => request.Session.ResolveFolderAsync(parentRef));
        var siblings = new SiblingNames();
        var outcomes = await request.PerItemAsync(folders, e => FolderService.CreateAsync(request.Session,
            () => parent.Error is null ? parent.Value! : throw parent.Error, ReadNewFolder(e), siblings));
        return WriteFolders(request, "CreateFolder", outcomes, EwsRequest.IdOnly);
    }

    private static NewFolder ReadNewFolder(XElement e)
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
                    break;
                default:
                    throw ItemReader.Unexpected(child);
            }
        }

        return new NewFolder(folderClass, displayName, properties);
    }

    public static async Task<Action<EwsWriter>> UpdateFolder(EwsRequest request)
    {
        var changes = await request.ChangesAsync(EwsRequest.Required(request.Operation, "FolderChanges"), "Folder");
        var outcomes = await request.PerItemAsync(changes, change => FolderService.UpdateAsync(request.Session, ReadFolderChange(change)));
        return WriteFolders(request, "UpdateFolder", outcomes, EwsRequest.IdOnly);
    }

    private static FolderChange ReadFolderChange(XElement change)
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
            list.Add(new FolderUpdate(action, path, value?.Name.LocalName, value?.Value, extended));
        }

        return new FolderChange(reference, list);
    }

    public static async Task<Action<EwsWriter>> DeleteFolder(EwsRequest request)
    {
        var deleteType = ItemReader.RequiredAttribute(request.Operation, "DeleteType");
        if (deleteType is not ("HardDelete" or "SoftDelete" or "MoveToDeletedItems"))
        {
            throw SoapRequest.Schema(request.Operation, $"The value '{Values.Excerpt(deleteType)}' is not a valid DisposalType.");
        }

        var ids = await request.IdsAsync(EwsRequest.Required(request.Operation, "FolderIds"));
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            await FolderService.DeleteAsync(request.Session, ItemReader.ReadFolderRef(e));
            return true;
        });
        return EwsRequest.Respond("DeleteFolder", outcomes, static (_, _) => { });
    }

    public static async Task<Action<EwsWriter>> FindFolder(EwsRequest request)
    {
        var traversal = ItemReader.RequiredAttribute(request.Operation, "Traversal");
        if (traversal is not ("Shallow" or "Deep" or "SoftDeleted"))
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

        var find = new FindFolderRequest(traversal, paging);
        var parents = await request.IdsAsync(EwsRequest.Required(request.Operation, "ParentFolderIds"));
        var outcomes = await request.PerItemAsync(parents, e => FolderService.FindAsync(request.Session, find, ItemReader.ReadFolderRef(e),
            restriction is null ? null : () => FolderRestriction.FromRestriction(restriction)));
        var context = request.WriteContext;
        return EwsRequest.Respond("FindFolder", outcomes, (w, page) =>
        {
            w.StartM("RootFolder");
            PagingReader.WriteAttributes(w, page);
            w.StartT("Folders");
            foreach (var f in page.Items)
            {
                FolderWriter.Write(w, f, shape, context);
            }

            w.End();
            w.End();
        });
    }

    private static Action<EwsWriter> WriteFolders(EwsRequest request, string operation, List<Outcome<Folder>> outcomes, ItemShape shape)
    {
        var context = request.WriteContext;
        return EwsRequest.Respond(operation, outcomes, (w, folder) =>
        {
            w.StartM("Folders");
            FolderWriter.Write(w, folder, shape, context);
            w.End();
        });
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
                    _ => throw new EwsException(ResponseCodes.ErrorUnsupportedPathForQuery, $"The property path '{Restriction.Describe(path)}' cannot be used in a folder restriction."),
                };
                return e.Name.LocalName switch
                {
                    "IsEqualTo" => f => string.Equals(get(f), constant, StringComparison.OrdinalIgnoreCase),
                    "IsNotEqualTo" => f => !string.Equals(get(f), constant, StringComparison.OrdinalIgnoreCase),
                    _ => f => get(f)?.Contains(constant, StringComparison.OrdinalIgnoreCase) == true,
                };
            default:
                throw new EwsException(ResponseCodes.ErrorUnsupportedQueryFilter, $"The filter '{Values.Excerpt(e.Name.LocalName)}' is not supported on folders.");
        }
    }
}
