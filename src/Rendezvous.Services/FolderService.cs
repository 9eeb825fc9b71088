using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>A folder of a CreateFolder, as read: its class (null: its parent's), name, extended properties and permission set (null: the defaults).</summary>
public sealed record NewFolder(string? FolderClass, string? DisplayName, IReadOnlyList<ExtendedProperty> ExtendedProperties, IReadOnlyList<RequestedPermission>? Permissions = null);

/// <summary>One update of a FolderChange: the path, and the element and value it sets (if any; a PermissionSet's entries in <paramref name="Permissions"/>).</summary>
public sealed record FolderUpdate(UpdateAction Action, PropertyPath Path, string? ValueName, string? Text, ExtendedProperty? Extended, IReadOnlyList<RequestedPermission>? Permissions = null);

/// <summary>
/// One Permission or CalendarPermission as a request gives it: for a user (by address), Default or Anonymous, the rights
/// it grants and the level it named (<see cref="PermissionLevel.Custom"/>: the rights one by one).
/// </summary>
public sealed record RequestedPermission(GranteeKind Kind, string? Address, FolderRights Rights, PermissionLevel Level);

/// <summary>One FolderChange.</summary>
public sealed record FolderChange(FolderRef Reference, IReadOnlyList<FolderUpdate> Updates);

/// <summary>What a FindFolder asks of each parent; <paramref name="WithPermissions"/>: the shape asks for the folders' PermissionSet.</summary>
public sealed record FindFolderRequest(string Traversal, Paging Paging, bool WithPermissions = false);

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
    /// <summary>
    /// One folder of a GetFolder: the caller's own or another's they may see; with <paramref name="withPermissions"/> (the
    /// shape asks for its PermissionSet) its permission set, to those who may change it.
    /// </summary>
    public static async Task<Folder> GetAsync(Session session, FolderRef reference, bool withPermissions = false)
    {
        var access = await session.AccessFolderAsync(reference, FolderAction.See);
        if (withPermissions)
        {
            await LoadPermissionsAsync(session, access);
        }

        return access.Folder;
    }

    /// <summary>Puts the folder's permission set on it, when the caller owns the folder or is one of its owners.</summary>
    private static async Task LoadPermissionsAsync(Session session, FolderAccess access)
    {
        if (access.Can(FolderAction.Own))
        {
            access.Folder.Permissions = await session.Store.GetPermissionsAsync(access.Folder.Id, session.Cancellation) ?? FolderPermissions.Defaults(IsMainCalendar(access.Folder));
        }
    }

    private static bool IsMainCalendar(Folder folder) => folder.DistinguishedName == "calendar";

    private static bool IsCalendar(Folder folder) => folder.ElementName == "CalendarFolder";

    /// <summary>
    /// The parent of a CreateFolder (once for the request): the caller's own folder, or another's where they may create
    /// subfolders (the new folders are then that mailbox's).
    /// </summary>
    public static async Task<Folder> ParentAsync(Session session, FolderRef reference) =>
        (await session.AccessFolderAsync(reference, FolderAction.CreateSubFolders)).Folder;

    /// <summary>
    /// A requested permission set as entries: each user found by address (ErrorInvalidUserInfo otherwise), levels
    /// checked against the folder (the FreeBusy levels are a calendar's), Default and Anonymous completed, no grantee twice.
    /// </summary>
    private static async Task<IReadOnlyList<PermissionEntry>> EntriesAsync(Session session, Folder folder, IEnumerable<RequestedPermission> requested)
    {
        var entries = new List<PermissionEntry>();
        foreach (var permission in requested)
        {
            if (!IsCalendar(folder) && (permission.Level is PermissionLevel.FreeBusyTimeOnly or PermissionLevel.FreeBusyTimeAndSubjectAndLocation
                || permission.Rights.ReadItems is ReadAccess.TimeOnly or ReadAccess.TimeAndSubjectAndLocation))
            {
                throw new DomainException(ErrorCode.InvalidPermissionSettings, "The free/busy permission levels can only be set on calendar folders.");
            }

            var grantee = permission.Kind switch
            {
                GranteeKind.Default => Grantee.Default,
                GranteeKind.Anonymous => Grantee.Anonymous,
                _ => await session.Store.FindUserAsync(permission.Address ?? "", session.Cancellation) is { } user
                    ? Grantee.User(user.MailboxId, user.Address, user.DisplayName)
                    : throw new DomainException(ErrorCode.InvalidUserInfo, $"The user '{Values.Excerpt(permission.Address ?? "")}' is not known."),
            };
            entries.Add(new PermissionEntry(grantee, permission.Rights));
        }

        return FolderPermissions.Complete(entries)
            ?? throw new DomainException(ErrorCode.DuplicateUserIds, "A user is named more than once in the permission set.");
    }

    /// <summary>One folder of a CreateFolder under <paramref name="parent"/> (resolved once for the request, or why it could not be).</summary>
    public static async Task<Folder> CreateAsync(Session session, Func<Folder> parent, NewFolder request, SiblingNames siblings)
    {
        var target = parent();
        // In another's mailbox (a permission's CanCreateSubFolders) the folder is that mailbox's.
        var folder = new Folder { Id = EwsIds.NewFolderId(target.MailboxId), MailboxId = target.MailboxId, ParentId = target.Id, FolderClass = request.FolderClass };
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
        if (request.Permissions is { } requested)
        {
            changes.Permissions.Add((folder.Id, await EntriesAsync(session, folder, requested)));
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
        return folder;
    }

    /// <summary>How often an append to a permission set is made again when another write changed the set meanwhile.</summary>
    private const int AppendAttempts = 16;

    public static async Task<Folder> UpdateAsync(Session session, FolderChange change)
    {
        Folder folder;
        try
        {
            // The owner, or one of the folder's owners (IsFolderOwner), changes it and its permission set.
            folder = (await session.AccessFolderAsync(change.Reference, FolderAction.Own)).Folder;
        }
        catch (DomainException e) when (e.Code == ErrorCode.FolderNotFound && change.Reference.Id is not null)
        {
            // Exchange answers an UpdateFolder of a folder id that names no folder (deleted) as an item not found
            // (exchangelib's test_create_update_empty_delete records it).
            throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.", e);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await UpdateOnceAsync(session, folder, change);
            }
            catch (ConcurrencyException e) when (e.ItemId == folder.Id && attempt < AppendAttempts)
            {
                // An appended set changed since it was read: append to what it is now.
            }
        }
    }

    private static async Task<Folder> UpdateOnceAsync(Session session, Folder folder, FolderChange change)
    {
        IReadOnlyList<PermissionEntry>? permissions = null;
        IReadOnlyList<PermissionEntry>? read = null;
        var appended = false;
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
                // never read). Exchange takes it: a class is never removed.
                case (UpdateAction.Delete, FieldPath { Uri: "folder:FolderClass" }):
                    break;
                // SetFolderField replaces the whole set; DeleteFolderField takes it back to the defaults ("Set folder
                // permissions for another user by using EWS"); AppendToFolderField adds entries for new grantees.
                case (UpdateAction.Set, FieldPath { Uri: "folder:PermissionSet" }) when update.Permissions is { } replaced:
                    permissions = await EntriesAsync(session, folder, replaced);
                    break;
                case (UpdateAction.Append, FieldPath { Uri: "folder:PermissionSet" }) when update.Permissions is { } added:
                    var current = permissions;
                    if (current is null)
                    {
                        // Appended to the set as read: the write checks it is still that set (ChangeSet.PermissionChecks).
                        read = await session.Store.GetPermissionsAsync(folder.Id, session.Cancellation);
                        appended = true;
                        current = read ?? FolderPermissions.Defaults(IsMainCalendar(folder));
                    }

                    permissions = await EntriesAsync(session, folder, [.. current.Select(Requested), .. added]);
                    break;
                case (UpdateAction.Delete, FieldPath { Uri: "folder:PermissionSet" }):
                    permissions = FolderPermissions.Defaults(IsMainCalendar(folder));
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
        if (permissions is not null)
        {
            set.Permissions.Add((folder.Id, permissions));
        }

        if (appended)
        {
            set.PermissionChecks.Add((folder.Id, read));
        }

        await session.Store.ApplyAsync(set, session.Cancellation);
        return folder;
    }

    /// <summary>A stored entry as a request would give it (to check an appended set whole).</summary>
    private static RequestedPermission Requested(PermissionEntry entry) =>
        new(entry.Grantee.Kind, entry.Grantee.Address, entry.Rights, PermissionLevel.Custom);

    /// <summary>
    /// One folder of a DeleteFolder: the caller's own, or another's of which they are an owner (IsFolderOwner, as
    /// Exchange asks of a folder's deletion); its subfolders and items go with it.
    /// </summary>
    public static async Task DeleteAsync(Session session, FolderRef reference)
    {
        var folder = (await session.AccessFolderAsync(reference, FolderAction.Own)).Folder;
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
    /// <remarks>
    /// In another's mailbox it needs DeleteItems All on the folder and, with <paramref name="deleteSubFolders"/>,
    /// IsFolderOwner on each subfolder (what deleting it asks); the items go to the owner's Deleted Items or dumpster,
    /// and private items the caller may not see stay where they are.
    /// </remarks>
    public static async Task EmptyAsync(Session session, FolderRef reference, DeleteMode mode, bool deleteSubFolders)
    {
        var access = await session.AccessFolderAsync(reference, FolderAction.DeleteItem);
        var folder = access.Folder;
        if (folder.DistinguishedName is { } name && NotEmptiable.Contains(name))
        {
            throw new DomainException(ErrorCode.CannotEmptyFolder, $"The folder '{folder.DisplayName}' cannot be emptied.");
        }

        var children = deleteSubFolders ? await session.Store.GetChildFoldersAsync(folder.Id, deep: false, session.Cancellation) : [];
        if (!access.IsOwner)
        {
            var subfolders = await session.AccessOfAsync([.. children.Where(c => c.DistinguishedName is null)]);
            if (subfolders.Any(a => !a.Can(FolderAction.Own)))
            {
                throw Session.Denied();
            }

            foreach (var subfolder in subfolders)
            {
                await session.AccountAsync(subfolder, FolderAction.Own);
            }

            // Allowed: the deletion is then the owner's (their Deleted Items, their dumpster), as DeleteItem's is.
            session = await session.AsOwnerAsync(access);
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
            if (!access.CanSee(item))
            {
                continue;
            }

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
            foreach (var child in children)
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
    /// <remarks>
    /// In another's mailbox the caller must own the folder (IsFolderOwner) and create subfolders in the target (the
    /// target's check, when it was resolved); a folder stays in its mailbox (ErrorCrossMailboxMoveCopy).
    /// </remarks>
    public static async Task<Folder> MoveAsync(Session session, FolderRef reference, Func<Folder> target)
    {
        var folder = (await session.AccessFolderAsync(reference, FolderAction.Own)).Folder;
        if (folder.DistinguishedName is not null)
        {
            throw new DomainException(ErrorCode.MoveDistinguishedFolder, "Cannot move a distinguished folder.");
        }

        var to = target();
        RequireSameMailbox(folder, to);
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
    /// <remarks>
    /// In another's mailbox the caller must read the folder's items (ReadItems) and create subfolders in the target;
    /// only the subfolders they may see are copied, with the items of those whose items they may read (never private
    /// items hidden from them), and the copies stay in that mailbox (ErrorCrossMailboxMoveCopy).
    /// </remarks>
    public static async Task<Folder> CopyAsync(Session session, FolderRef reference, Func<Folder> target)
    {
        var access = await session.AccessFolderAsync(reference, FolderAction.ReadItems);
        var folder = access.Folder;
        var to = target();
        RequireSameMailbox(folder, to);
        await RequireOutsideAsync(session, folder, to);
        await RequireNameFreeAsync(session, to, folder.DisplayName);
        var tree = new List<FolderAccess> { access };
        var below = await session.Store.GetChildFoldersAsync(folder.Id, deep: true, session.Cancellation);
        if (access.IsOwner)
        {
            tree.AddRange(below.Select(FolderAccess.Own));
        }
        else
        {
            // A subfolder the caller may not see is left out, and with it what is below it (its copy would have no parent).
            var copied = new HashSet<string>(StringComparer.Ordinal) { folder.Id };
            foreach (var child in await session.AccessOfAsync(below))
            {
                if (child.Can(FolderAction.See) && child.Folder.ParentId is { } parent && copied.Contains(parent))
                {
                    copied.Add(child.Folder.Id);
                    tree.Add(child);
                    await session.AccountAsync(child, child.Can(FolderAction.ReadItems) ? FolderAction.ReadItems : FolderAction.See);
                }
            }
        }

        var newIds = new Dictionary<string, string>(StringComparer.Ordinal) { [folder.ParentId ?? ""] = to.Id };
        var changes = new ChangeSet();
        Folder? top = null;
        foreach (var (source, rights) in tree.Select(a => (a.Folder, a)))
        {
            var copy = new Folder
            {
                Id = EwsIds.NewFolderId(to.MailboxId),
                MailboxId = to.MailboxId,
                ParentId = source == folder ? to.Id : newIds[source.ParentId ?? ""],
                DisplayName = source.DisplayName,
                FolderClass = source.FolderClass,
                ExtendedProperties = [.. source.ExtendedProperties],
            };
            newIds[source.Id] = copy.Id;
            top ??= copy;
            changes.FolderInserts.Add(copy);
            if (!rights.Can(FolderAction.ReadItems))
            {
                continue;
            }

            foreach (var item in await session.Store.GetItemsAsync(source.Id, session.Cancellation))
            {
                if (!rights.CanSee(item))
                {
                    continue;
                }

                var itemCopy = ItemService.Relocate(session, item, copy);
                itemCopy.DateTimeCreated = session.Now;
                changes.Copy(item.Id, itemCopy);
            }
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
        return top!;
    }

    /// <summary>Folders move and copy within their mailbox only, as Exchange's folders do.</summary>
    private static void RequireSameMailbox(Folder folder, Folder target)
    {
        if (!string.Equals(folder.MailboxId, target.MailboxId, StringComparison.Ordinal))
        {
            throw new DomainException(ErrorCode.CrossMailboxMoveCopy, "A folder cannot be moved or copied to another mailbox.");
        }
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
        var access = await session.AccessFolderAsync(reference, FolderAction.See);
        var parent = access.Folder;
        var matches = restriction?.Invoke();
        IEnumerable<Folder> children = request.Traversal == SchemaValues.FolderQueryTraversalType.SoftDeleted ? [] : await session.Store.GetChildFoldersAsync(parent.Id, request.Traversal == SchemaValues.FolderQueryTraversalType.Deep, session.Cancellation);
        if (!access.IsOwner)
        {
            // In another's mailbox, only the subfolders the caller may see themselves (their rights read once for all).
            children = [.. (await session.AccessOfAsync([.. children])).Where(a => a.Can(FolderAction.See)).Select(a => a.Folder)];
        }

        if (matches is not null)
        {
            children = children.Where(matches);
        }

        var page = request.Paging.Apply(children.ToList());
        if (request.WithPermissions)
        {
            // Note: exchangelib asks FindFolder for every field, and its save() of a folder it found without a set sends
            // DeleteFolderField, which restores the defaults: the set is given here too, so that save keeps it.
            var owned = page.Items.Where(f => f.CallerRights is null || f.CallerRights.IsFolderOwner).ToList();
            var sets = await session.Store.GetPermissionsAsync([.. owned.Select(f => f.Id)], session.Cancellation);
            foreach (var folder in owned)
            {
                folder.Permissions = sets.GetValueOrDefault(folder.Id) ?? FolderPermissions.Defaults(IsMainCalendar(folder));
            }
        }

        return page;
    }
}
