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

/// <summary>GetFolder, FindFolder, CreateFolder, UpdateFolder and DeleteFolder ([MS-OXWSFOLD]), one folder at a time.</summary>
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
        var folder = await session.ResolveFolderAsync(change.Reference);
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
                    folder.FolderClass = update.Text;
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
