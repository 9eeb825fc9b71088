using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>A folder of a CreateFolder, as read: its class (null: its parent's), name and extended properties.</summary>
public sealed record NewFolder(string? FolderClass, string? DisplayName, IReadOnlyList<ExtendedProperty> ExtendedProperties);

/// <summary>One update of a FolderChange: the path, and the element and value it sets (if any).</summary>
public sealed record FolderUpdate(UpdateAction Action, PropertyPath Path, string? ValueName, string? Text, ExtendedProperty? Extended);

/// <summary>One FolderChange.</summary>
public sealed record FolderChange(FolderRef Reference, IReadOnlyList<FolderUpdate> Updates);

/// <summary>What a FindFolder asks of each parent.</summary>
public sealed record FindFolderRequest(string Traversal, Paging Paging);

/// <summary>
/// The names of the folders under one parent, read once for a whole CreateFolder (not once per new folder), so a
/// request's cost stays in proportion to its folders.
/// </summary>
public sealed class SiblingNames
{
    public HashSet<string>? Names { get; set; }
}

/// <summary>
/// GetFolder, FindFolder, CreateFolder, UpdateFolder, DeleteFolder, EmptyFolder, MoveFolder and CopyFolder
/// ([MS-OXWSFOLD]), one folder at a time.
/// </summary>
public static class FolderService
{
    public static Task<Folder> GetAsync(Session session, FolderRef reference) => session.ResolveFolderAsync(reference);

    /// <summary>One folder of a CreateFolder under <paramref name="parent"/> (resolved once for the request, or why it could not be).</summary>
    public static async Task<Folder> CreateAsync(Session session, Func<Folder> parent, NewFolder request, SiblingNames siblings)
    {
        var target = parent();
        var folder = new Folder { Id = EwsIds.NewFolderId(session.MailboxId), MailboxId = session.MailboxId, ParentId = target.Id, FolderClass = request.FolderClass };
        if (request.DisplayName is { } name)
        {
            folder.DisplayName = name;
        }

        foreach (var property in request.ExtendedProperties)
        {
            folder.ExtendedProperties.RemoveAll(p => p.Path.Key == property.Path.Key);
            folder.ExtendedProperties.Add(property);
        }

        if (string.IsNullOrWhiteSpace(folder.DisplayName))
        {
            throw new DomainException(ErrorCode.InvalidRequest, "A folder needs a DisplayName.");
        }

        // Note: a generic t:Folder without a FolderClass takes its parent's (t08_folders expects IPF.Note under the
        // Inbox); exchangelib's own test_move, test_counts and test_refresh expect it to keep none, as they read it
        // back as their generic Folder.
        folder.FolderClass ??= target.FolderClass ?? "IPF.Note";
        siblings.Names ??= new HashSet<string>((await session.Store.GetChildFoldersAsync(target.Id, deep: false, session.Cancellation)).Select(s => s.DisplayName), StringComparer.OrdinalIgnoreCase);
        if (!siblings.Names.Add(folder.DisplayName))
        {
            throw new DomainException(ErrorCode.FolderExists, "A folder with the specified name already exists.");
        }

        var changes = new ChangeSet();
        changes.FolderInserts.Add(folder);
        await session.Store.ApplyAsync(changes, session.Cancellation);
        return folder;
    }

    public static async Task<Folder> UpdateAsync(Session session, FolderChange change)
    {
        Folder folder;
        try
        {
            folder = await session.ResolveFolderAsync(change.Reference);
        }
        catch (DomainException e) when (e.Code == ErrorCode.FolderNotFound && change.Reference.Id is not null)
        {
            // Exchange answers an UpdateFolder of a folder id that names no folder (deleted) as an item not found
            // (exchangelib's test_create_update_empty_delete records it).
            throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.", e);
        }

        foreach (var update in change.Updates)
        {
            switch (update.Action, update.Path)
            {
                case (UpdateAction.Set, FieldPath { Uri: "folder:DisplayName" }) when update.ValueName == "DisplayName" && !string.IsNullOrWhiteSpace(update.Text):
                    if (folder.DistinguishedName is not null)
                    {
                        throw new DomainException(ErrorCode.PropertyNotSettable, "Distinguished folders cannot be renamed.");
                    }

                    folder.DisplayName = update.Text;
                    break;
                case (UpdateAction.Set, FieldPath { Uri: "folder:FolderClass" }) when update.ValueName == "FolderClass":
                    // Exchange refuses to change a folder's type (exchangelib's test_create_update_empty_delete); the same
                    // class, which clients send back with the other fields, changes nothing.
                    if (folder.FolderClass is not null && !string.Equals(update.Text, folder.FolderClass, StringComparison.Ordinal))
                    {
                        throw new DomainException(ErrorCode.ObjectTypeChanged, "The folder's FolderClass cannot be changed.");
                    }

                    folder.FolderClass = update.Text; // A folder created without one may be given one.
                    break;
                // exchangelib's save() sends every field: DeleteFolderField for the ones it holds no value of (a class it
                // never read, no permissions). Exchange takes both: a class is never removed, and no permissions are kept
                // here (CreateFolder ignores a PermissionSet as well).
                case (UpdateAction.Delete, FieldPath { Uri: "folder:FolderClass" }):
                case (UpdateAction.Set or UpdateAction.Delete, FieldPath { Uri: "folder:PermissionSet" }):
                    break;
                case (UpdateAction.Set, ExtendedPath) when update.Extended is { } property:
                    folder.ExtendedProperties.RemoveAll(p => p.Path.Key == property.Path.Key);
                    folder.ExtendedProperties.Add(property);
                    break;
                case (UpdateAction.Delete, ExtendedPath x):
                    folder.ExtendedProperties.RemoveAll(p => p.Path.Key == x.Path.Key);
                    break;
                default:
                    throw new DomainException(ErrorCode.PropertyNotSettable, $"'{update.Path.Describe()}' cannot be changed on a folder this way.");
            }
        }

        var set = new ChangeSet();
        set.FolderUpdates.Add(folder);
        await session.Store.ApplyAsync(set, session.Cancellation);
        return folder;
    }

    public static async Task DeleteAsync(Session session, FolderRef reference)
    {
        var folder = await session.ResolveFolderAsync(reference);
        if (folder.DistinguishedName is not null)
        {
            throw new DomainException(ErrorCode.DistinguishedFolderNotDeletable, "Distinguished folders cannot be deleted.");
        }

        var changes = new ChangeSet();
        changes.FolderDeletes.Add(folder.Id);
        await session.Store.ApplyAsync(changes, session.Cancellation);
    }

    /// <summary>
    /// The folders EmptyFolder refuses (ErrorCannotEmptyFolder): the roots of a hierarchy, whose children are the
    /// distinguished folders, and the dumpster's root, which holds no items of its own.
    /// </summary>
    private static readonly HashSet<string> NotEmptiable = new(StringComparer.Ordinal) { "root", "msgfolderroot", "recoverableitemsroot", "searchfolders" };

    /// <summary>
    /// One folder of an EmptyFolder: its items deleted as <paramref name="mode"/> says (to Deleted Items, to the
    /// dumpster, or for good) and, with <paramref name="deleteSubFolders"/>, its subfolders with theirs (moved to
    /// Deleted Items for MoveToDeletedItems, else deleted), in one change set. Associated items stay, as in Exchange.
    /// </summary>
    public static async Task EmptyAsync(Session session, FolderRef reference, DeleteMode mode, bool deleteSubFolders)
    {
        var folder = await session.ResolveFolderAsync(reference);
        if (folder.DistinguishedName is { } name && NotEmptiable.Contains(name))
        {
            throw new DomainException(ErrorCode.CannotEmptyFolder, $"The folder '{folder.DisplayName}' cannot be emptied.");
        }

        var destination = mode switch
        {
            DeleteMode.MoveToDeletedItems when folder.DistinguishedName != "deleteditems" => await session.ResolveFolderAsync(null, "deleteditems"),
            DeleteMode.HardDelete => null,
            _ when folder.DistinguishedName == "recoverableitemsdeletions" => null,
            _ => await session.ResolveFolderAsync(null, "recoverableitemsdeletions"),
        };
        var changes = new ChangeSet();
        foreach (var item in await session.Store.GetItemsAsync(folder.Id, session.Cancellation))
        {
            if (destination is null)
            {
                changes.Deletes.Add(item.Id);
            }
            else
            {
                changes.Move(item.Id, ItemService.Relocate(session, item, destination));
            }
        }

        if (deleteSubFolders)
        {
            foreach (var child in await session.Store.GetChildFoldersAsync(folder.Id, deep: false, session.Cancellation))
            {
                if (child.DistinguishedName is not null)
                {
                    continue; // Never deleted (the roots that hold them are refused above).
                }

                if (destination is { DistinguishedName: "deleteditems" })
                {
                    child.ParentId = destination.Id;
                    changes.FolderUpdates.Add(child);
                }
                else
                {
                    changes.FolderDeletes.Add(child.Id);
                }
            }
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
    }

    /// <summary>
    /// One folder of a MoveFolder into <paramref name="target"/> (resolved once for the request): it keeps its id and
    /// gets a new change key. A distinguished folder does not move (ErrorMoveDistinguishedFolder), nor does a folder
    /// into itself or below itself (ErrorMoveCopyFailed), nor beside a folder of its name (ErrorFolderExists).
    /// </summary>
    public static async Task<Folder> MoveAsync(Session session, FolderRef reference, Func<Folder> target)
    {
        var folder = await session.ResolveFolderAsync(reference);
        if (folder.DistinguishedName is not null)
        {
            throw new DomainException(ErrorCode.MoveDistinguishedFolder, "Cannot move a distinguished folder.");
        }

        var to = target();
        if (folder.ParentId == to.Id)
        {
            return folder; // Already there: nothing changes, as a move to where it is changes nothing.
        }

        await RequireOutsideAsync(session, folder, to);
        await RequireNameFreeAsync(session, to, folder.DisplayName);
        folder.ParentId = to.Id;
        var changes = new ChangeSet();
        changes.FolderUpdates.Add(folder);
        await session.Store.ApplyAsync(changes, session.Cancellation);
        return folder;
    }

    /// <summary>
    /// One folder of a CopyFolder into <paramref name="target"/>: a deep copy, the folder and every subfolder with new
    /// ids, each with copies of its items (associated items stay behind), in one change set. The copy of a
    /// distinguished folder is an ordinary folder.
    /// </summary>
    public static async Task<Folder> CopyAsync(Session session, FolderRef reference, Func<Folder> target)
    {
        var folder = await session.ResolveFolderAsync(reference);
        var to = target();
        await RequireOutsideAsync(session, folder, to);
        await RequireNameFreeAsync(session, to, folder.DisplayName);
        var tree = new List<Folder> { folder };
        tree.AddRange(await session.Store.GetChildFoldersAsync(folder.Id, deep: true, session.Cancellation));
        var newIds = new Dictionary<string, string>(StringComparer.Ordinal) { [folder.ParentId ?? ""] = to.Id };
        var changes = new ChangeSet();
        Folder? top = null;
        foreach (var source in tree)
        {
            var copy = new Folder
            {
                Id = EwsIds.NewFolderId(session.MailboxId),
                MailboxId = session.MailboxId,
                ParentId = source == folder ? to.Id : newIds[source.ParentId ?? ""],
                DisplayName = source.DisplayName,
                FolderClass = source.FolderClass,
                ExtendedProperties = [.. source.ExtendedProperties],
            };
            newIds[source.Id] = copy.Id;
            top ??= copy;
            changes.FolderInserts.Add(copy);
            foreach (var item in await session.Store.GetItemsAsync(source.Id, session.Cancellation))
            {
                var itemCopy = ItemService.Relocate(session, item, copy);
                itemCopy.DateTimeCreated = session.Now;
                changes.Copy(item.Id, itemCopy);
            }
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
        return top!;
    }

    /// <summary>A folder goes neither into itself nor below itself (the walk up from the target is bounded: no cycle can be stored).</summary>
    private static async Task RequireOutsideAsync(Session session, Folder folder, Folder target)
    {
        var current = target;
        for (var depth = 0; current is not null && depth < 256; depth++)
        {
            if (current.Id == folder.Id)
            {
                throw new DomainException(ErrorCode.MoveCopyFailed, "A folder cannot be moved or copied into itself or one of its subfolders.");
            }

            current = current.ParentId is { } parent ? await session.Store.GetFolderAsync(parent, session.Cancellation) : null;
        }
    }

    private static async Task RequireNameFreeAsync(Session session, Folder target, string name)
    {
        var siblings = await session.Store.GetChildFoldersAsync(target.Id, deep: false, session.Cancellation);
        if (siblings.Any(s => string.Equals(s.DisplayName, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DomainException(ErrorCode.FolderExists, "A folder with the specified name already exists.");
        }
    }

    /// <summary>
    /// One parent of a FindFolder; <paramref name="restriction"/> gives its restriction, if any (asked for once the
    /// parent is known to be the caller's, as its errors are that parent's).
    /// </summary>
    public static async Task<Page<Folder>> FindAsync(Session session, FindFolderRequest request, FolderRef reference, Func<Func<Folder, bool>>? restriction)
    {
        var parent = await session.ResolveFolderAsync(reference);
        var matches = restriction?.Invoke();
        IEnumerable<Folder> children = request.Traversal == SchemaValues.FolderQueryTraversalType.SoftDeleted ? [] : await session.Store.GetChildFoldersAsync(parent.Id, request.Traversal == SchemaValues.FolderQueryTraversalType.Deep, session.Cancellation);
        if (matches is not null)
        {
            children = children.Where(matches);
        }

        return request.Paging.Apply(children.ToList());
    }
}
