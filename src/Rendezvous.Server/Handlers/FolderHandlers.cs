using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>GetFolder, FindFolder, CreateFolder, DeleteFolder ([MS-OXWSFOLD]).</summary>
public static class FolderHandlers
{
    public static async Task<Action<EwsWriter>> GetFolder(EwsRequest request)
    {
        var shape = request.ReadShape(EwsRequest.Required(request.Operation, "FolderShape"));
        var ids = await request.IdsAsync(EwsRequest.Required(request.Operation, "FolderIds"));
        var outcomes = await request.PerItemAsync(ids, e => request.ResolveFolderAsync(ItemReader.ReadFolderRef(e)));
        return WriteFolders(request, "GetFolder", outcomes, shape);
    }

    public static async Task<Action<EwsWriter>> CreateFolder(EwsRequest request)
    {
        var parentRef = ItemReader.ReadFolderRef(ItemReader.OnlyChild(EwsRequest.Required(request.Operation, "ParentFolderId"), "folder id"));
        var folders = await request.BatchAsync(EwsRequest.Required(request.Operation, "Folders"), request.Limits.MaxFoldersPerCreate, "folders", nameof(RequestLimits.MaxFoldersPerCreate));
        var parent = await request.OneAsync(() => request.ResolveFolderAsync(parentRef));
        // The siblings' names are read once, not once per new folder: a request's cost stays in proportion to its folders.
        HashSet<string>? names = null;
        var outcomes = await request.PerItemAsync(folders, async e =>
        {
            var target = parent.Error is null ? parent.Value! : throw parent.Error;
            var folder = ReadNewFolder(e, target, request);
            names ??= new HashSet<string>((await request.Store.GetChildFoldersAsync(target.Id, deep: false, request.Cancellation)).Select(s => s.DisplayName), StringComparer.OrdinalIgnoreCase);
            if (!names.Add(folder.DisplayName))
            {
                throw new EwsException(ResponseCodes.ErrorFolderExists, "A folder with the specified name already exists.");
            }

            var changes = new ChangeSet();
            changes.FolderInserts.Add(folder);
            await request.Store.ApplyAsync(changes, request.Cancellation);
            return folder;
        });
        return WriteFolders(request, "CreateFolder", outcomes, EwsRequest.IdOnly);
    }

    private static Folder ReadNewFolder(XElement e, Folder parent, EwsRequest request)
    {
        var folderClass = e.Name.LocalName switch
        {
            "Folder" => null,
            "CalendarFolder" => "IPF.Appointment",
            "ContactsFolder" => "IPF.Contact",
            "TasksFolder" => "IPF.Task",
            _ => throw SoapRequest.Schema(e, $"Creating a '{Values.Excerpt(e.Name.LocalName)}' is not supported."),
        };
        var folder = new Folder { Id = EwsIds.NewFolderId(), MailboxId = request.User.MailboxId, ParentId = parent.Id, FolderClass = folderClass };
        foreach (var child in e.Elements())
        {
            switch (child.Name.LocalName)
            {
                case "FolderClass":
                    folder.FolderClass = child.Value;
                    break;
                case "DisplayName":
                    folder.DisplayName = child.Value;
                    break;
                case "ExtendedProperty":
                    var property = ItemReader.ReadExtendedProperty(child);
                    folder.ExtendedProperties.RemoveAll(p => p.Path.Key == property.Path.Key);
                    folder.ExtendedProperties.Add(property);
                    break;
                case "PermissionSet":
                    break;
                default:
                    throw ItemReader.Unexpected(child);
            }
        }

        if (string.IsNullOrWhiteSpace(folder.DisplayName))
        {
            throw new EwsException(ResponseCodes.ErrorInvalidRequest, "A folder needs a DisplayName.");
        }

        folder.FolderClass ??= parent.FolderClass ?? "IPF.Note";
        return folder;
    }

    public static async Task<Action<EwsWriter>> UpdateFolder(EwsRequest request)
    {
        var changes = await request.ChangesAsync(EwsRequest.Required(request.Operation, "FolderChanges"), "Folder");

        var outcomes = await request.PerItemAsync(changes, async change =>
        {
            var folder = await request.ResolveFolderAsync(ItemReader.ReadFolderRef(ItemReader.FirstChild(change, "folder id")));
            var updates = change.Element(Protocol.Ews.T + "Updates") ?? throw SoapRequest.Schema(change, "FolderChange needs Updates.");
            foreach (var update in updates.Elements())
            {
                var path = ItemReader.ReadPath(ItemReader.FirstChild(update, "property path"));
                var value = update.Elements().Skip(1).FirstOrDefault()?.Elements().FirstOrDefault();
                switch (update.Name.LocalName, path)
                {
                    case ("SetFolderField", FieldPath { Uri: "folder:DisplayName" }) when value?.Name.LocalName == "DisplayName" && !string.IsNullOrWhiteSpace(value.Value):
                        if (folder.DistinguishedName is not null)
                        {
                            throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, "Distinguished folders cannot be renamed.");
                        }

                        folder.DisplayName = value.Value;
                        break;
                    case ("SetFolderField", FieldPath { Uri: "folder:FolderClass" }) when value?.Name.LocalName == "FolderClass":
                        folder.FolderClass = value.Value;
                        break;
                    case ("SetFolderField", ExtendedPath) when value?.Name.LocalName == "ExtendedProperty":
                        var property = ItemReader.ReadExtendedProperty(value);
                        folder.ExtendedProperties.RemoveAll(p => p.Path.Key == property.Path.Key);
                        folder.ExtendedProperties.Add(property);
                        break;
                    case ("DeleteFolderField", ExtendedPath x):
                        folder.ExtendedProperties.RemoveAll(p => p.Path.Key == x.Path.Key);
                        break;
                    default:
                        throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"'{Restriction.Describe(path)}' cannot be changed on a folder this way.");
                }
            }

            folder.ChangeNumber = request.Store.NextChangeNumber();
            var set = new ChangeSet();
            set.FolderUpdates.Add(folder);
            await request.Store.ApplyAsync(set, request.Cancellation);
            return folder;
        });
        return WriteFolders(request, "UpdateFolder", outcomes, EwsRequest.IdOnly);
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
            var folder = await request.ResolveFolderAsync(ItemReader.ReadFolderRef(e));
            if (folder.DistinguishedName is not null)
            {
                throw new EwsException(ResponseCodes.ErrorDeleteDistinguishedFolder, "Distinguished folders cannot be deleted.");
            }

            var changes = new ChangeSet();
            changes.FolderDeletes.Add(folder.Id);
            await request.Store.ApplyAsync(changes, request.Cancellation);
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
        var paging = Paging.Read(request.Operation, "IndexedPageFolderView", "FractionalPageFolderView", request.Limits.MaxFindCount);
        var restriction = request.Operation.Element(Protocol.Ews.M + "Restriction");
        if (restriction is not null)
        {
            request.Limits.CheckRestriction(restriction);
        }

        var parents = await request.IdsAsync(EwsRequest.Required(request.Operation, "ParentFolderIds"));
        var outcomes = await request.PerItemAsync(parents, async e =>
        {
            var parent = await request.ResolveFolderAsync(ItemReader.ReadFolderRef(e));
            IEnumerable<Folder> children = traversal == "SoftDeleted" ? [] : await request.Store.GetChildFoldersAsync(parent.Id, traversal == "Deep", request.Cancellation);
            if (restriction is not null)
            {
                var matches = FolderRestriction.FromRestriction(restriction);
                children = children.Where(matches);
            }

            return paging.Apply(children.ToList());
        });
        var context = request.WriteContext;
        return EwsRequest.Respond("FindFolder", outcomes, (w, page) =>
        {
            w.StartM("RootFolder");
            page.WriteAttributes(w);
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
                var constant = e.Descendants(Protocol.Ews.T + "Constant").FirstOrDefault()?.Attribute("Value")?.Value ?? "";
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
