namespace Rendezvous.Domain;

/// <summary>What an operation does in a folder, each needing its own right (issue 18 §1).</summary>
public enum FolderAction
{
    /// <summary>See the folder itself (GetFolder, FindFolder; IsFolderVisible).</summary>
    See,

    /// <summary>Read its items (FindItem, GetItem, SyncFolderItems; ReadItems FullDetails).</summary>
    ReadItems,

    /// <summary>Create an item in it (CreateItem, the target of MoveItem and CopyItem; CanCreateItems).</summary>
    CreateItems,

    /// <summary>Change an item (UpdateItem; EditItems, Owned: the items the caller created).</summary>
    EditItem,

    /// <summary>Delete an item (DeleteItem, the source of MoveItem; DeleteItems, Owned: the items the caller created).</summary>
    DeleteItem,

    /// <summary>Create a folder in it (CreateFolder; CanCreateSubFolders).</summary>
    CreateSubFolders,

    /// <summary>Change the folder's properties and permission set (UpdateFolder; IsFolderOwner).</summary>
    Own,
}

/// <summary>
/// A folder as one caller may use it: the folder, and the caller's effective rights there (all of them in their own
/// mailbox). Services ask <see cref="Can"/> before acting; <see cref="CanSee"/> hides private items.
/// </summary>
public sealed record FolderAccess(Folder Folder, FolderRights Rights, string CallerMailboxId)
{
    /// <summary>The caller's own folder: every right.</summary>
    public bool IsOwner => string.Equals(Folder.MailboxId, CallerMailboxId, StringComparison.Ordinal);

    /// <summary>
    /// Whether the caller sees the mailbox's private items (Sensitivity Private) here. The owner always; another user
    /// only when the owner made them a delegate with ViewPrivateItems (issue 18 §2: the delegate record sets this when
    /// it resolves the access; a folder permission alone never does).
    /// </summary>
    public bool ViewPrivateItems { get; init; }

    public static FolderAccess Own(Folder folder) => new(folder, FolderRights.Of(PermissionLevel.Owner), folder.MailboxId);

    /// <summary>Whether the caller may do <paramref name="action"/> here (an edit or delete: to <paramref name="item"/>).</summary>
    public bool Can(FolderAction action, Item? item = null) => IsOwner || action switch
    {
        FolderAction.See => Rights.IsFolderVisible || Rights.IsFolderOwner,
        FolderAction.ReadItems => Rights.ReadItems == ReadAccess.FullDetails,
        FolderAction.CreateItems => Rights.CanCreateItems,
        FolderAction.EditItem => Covers(Rights.EditItems, item),
        FolderAction.DeleteItem => Covers(Rights.DeleteItems, item),
        FolderAction.CreateSubFolders => Rights.CanCreateSubFolders,
        FolderAction.Own => Rights.IsFolderOwner,
        _ => false,
    };

    /// <summary>Whether <paramref name="item"/> is shown to the caller at all: a private item only to those who may view private items.</summary>
    public bool CanSee(Item item) => IsOwner || ViewPrivateItems || !IsPrivate(item);

    /// <summary>What <see cref="CanSee"/> reads of an item: a reader of partial items (<see cref="ItemProjection"/>) decodes it.</summary>
    public static readonly PropertyDefinition[] CanSeeReads = [ItemProperties.ItemType_Sensitivity];

    public static bool IsPrivate(Item item) => string.Equals(item.Sensitivity, Protocol.SchemaValues.SensitivityChoicesType.Private, StringComparison.Ordinal);

    private bool Covers(ItemScope scope, Item? item) => scope switch
    {
        ItemScope.All => true,
        ItemScope.Owned => item is not null && string.Equals(item.CreatedBy, CallerMailboxId, StringComparison.Ordinal),
        _ => false,
    };
}
