using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>The folder shape of GetFolder, FindFolder and CreateFolder.</summary>
public static class FolderWriter
{
    /// <summary>Whether a shape asks for folders' PermissionSet (AllProperties or folder:PermissionSet): the service reads it only then.</summary>
    public static bool WantsPermissions(ItemShape shape) =>
        shape.BaseShape == BaseShape.AllProperties || shape.Additional.OfType<FieldPath>().Any(p => p.Uri == "folder:PermissionSet");

    public static void Write(EwsWriter w, Folder folder, ItemShape shape, WriteContext context)
    {
        var named = shape.Additional.OfType<FieldPath>().Select(p => p.Uri).ToHashSet(StringComparer.Ordinal);
        bool Wants(string uri, bool inDefault) =>
            named.Contains(uri) || shape.BaseShape switch
            {
                BaseShape.IdOnly => uri == "folder:FolderId",
                BaseShape.Default => inDefault,
                _ => true,
            };

        w.StartT(folder.ElementName);
        if (Wants("folder:FolderId", true))
        {
            w.StartT("FolderId");
            w.Attr("Id", folder.Id);
            w.Attr("ChangeKey", ChangeKeys.Encode(folder.ChangeNumber));
            w.End();
        }

        if (folder.ParentId is not null && Wants("folder:ParentFolderId", false))
        {
            w.StartT("ParentFolderId");
            w.Attr("Id", folder.ParentId);
            w.End();
        }

        if (folder.FolderClass is not null && Wants("folder:FolderClass", false))
        {
            w.T("FolderClass", folder.FolderClass);
        }

        if (Wants("folder:DisplayName", true))
        {
            w.T("DisplayName", folder.DisplayName);
        }

        if (Wants("folder:TotalCount", true))
        {
            w.T("TotalCount", folder.TotalCount);
        }

        if (Wants("folder:ChildFolderCount", true))
        {
            w.T("ChildFolderCount", folder.ChildFolderCount);
        }

        foreach (var path in shape.Additional.OfType<ExtendedPath>())
        {
            var value = ExtendedValue(folder, path.Path);
            if (value is null)
            {
                continue;
            }

            w.StartT("ExtendedProperty");
            ItemWriter.WritePath(w, path.Path);
            w.T("Value", value);
            w.End();
        }

        if (Wants("folder:EffectiveRights", false) && context.Supports(ExchangeVersion.Exchange2007_SP1))
        {
            // Another's folder: what the caller's permission gives them there (issue 18).
            var rights = folder.CallerRights;
            w.StartT("EffectiveRights");
            w.T("CreateAssociated", rights is null);
            w.T("CreateContents", rights?.CanCreateItems ?? true);
            w.T("CreateHierarchy", rights?.CanCreateSubFolders ?? true);
            w.T("Delete", folder.DistinguishedName is null && rights is null);
            w.T("Modify", rights?.IsFolderOwner ?? true);
            w.T("Read", rights is null || rights.ReadItems == ReadAccess.FullDetails || rights.IsFolderVisible);
            if (context.Supports(ExchangeVersion.Exchange2013))
            {
                w.T("ViewPrivateItems", rights is null);
            }

            w.End();
        }

        if (folder.Permissions is { } permissions && context.Supports(ExchangeVersion.Exchange2007_SP1))
        {
            WritePermissionSet(w, permissions, calendar: folder.ElementName == "CalendarFolder");
        }

        // Note: CalendarFolderType and ContactsFolderType have no UnreadCount; FolderType and TasksFolderType do.
        if (folder.ElementName is "Folder" or "TasksFolder" && Wants("folder:UnreadCount", true))
        {
            w.T("UnreadCount", folder.UnreadCount);
        }

        w.End();
    }

    /// <summary>
    /// The MAPI properties DavMail reads on folders, computed from the folder, else a stored extended property.
    /// </summary>
    private static string? ExtendedValue(Folder folder, ExtendedPropertyPath path)
    {
        var key = path.Key;
        switch (key)
        {
            // Note: DavMail takes these for its ETag and ctag and rejects a time of another length than yyyy-MM-ddTHH:mm:ssZ.
            case "tag:3008": // PR_LAST_MODIFICATION_TIME: the folder's own changes and its contents'
                return Stamp(folder.LastModified > folder.ContentModified ? folder.LastModified : folder.ContentModified);
            case "tag:670a": // PR_LOCAL_COMMIT_TIME_MAX: the last change of anything in the folder
                return Stamp(folder.ContentModified);
            default:
                break;
        }

        var stored = folder.ExtendedProperties.Find(p => p.Path.Key == key);
        if (stored is not null)
        {
            return stored.Value;
        }

        return key switch
        {
            "tag:3613" => folder.FolderClass, // PR_CONTAINER_CLASS
            "tag:3001" => folder.DisplayName, // PR_DISPLAY_NAME
            "tag:10f3" => folder.DisplayName, // PR_URL_COMP_NAME (DavMail builds folder paths from it)
            "tag:3602" => Values.Format(folder.TotalCount), // PR_CONTENT_COUNT
            "tag:3603" => Values.Format(folder.UnreadCount), // PR_CONTENT_UNREAD
            "tag:360a" => Values.Format(folder.ChildFolderCount > 0), // PR_SUBFOLDERS
            _ => null,
        };
    }

    /// <summary>
    /// A PermissionSet (a calendar's: CalendarPermissionSet's CalendarPermissions, with the free/busy levels) as Exchange
    /// writes it: every right and the level they match, else Custom; a user by address and name (no SID here).
    /// </summary>
    private static void WritePermissionSet(EwsWriter w, IReadOnlyList<PermissionEntry> permissions, bool calendar)
    {
        w.StartT("PermissionSet");
        w.StartT(calendar ? "CalendarPermissions" : "Permissions");
        foreach (var (grantee, rights) in permissions)
        {
            w.StartT(calendar ? "CalendarPermission" : "Permission");
            w.StartT("UserId");
            switch (grantee.Kind)
            {
                case GranteeKind.Default or GranteeKind.Anonymous:
                    w.T("DistinguishedUser", grantee.Kind.ToString());
                    break;
                default:
                    w.T("PrimarySmtpAddress", grantee.Address ?? "");
                    w.T("DisplayName", grantee.DisplayName ?? "");
                    break;
            }

            w.End();
            w.T("CanCreateItems", rights.CanCreateItems);
            w.T("CanCreateSubFolders", rights.CanCreateSubFolders);
            w.T("IsFolderOwner", rights.IsFolderOwner);
            w.T("IsFolderVisible", rights.IsFolderVisible);
            w.T("IsFolderContact", rights.IsFolderContact);
            w.T("EditItems", rights.EditItems.ToString());
            w.T("DeleteItems", rights.DeleteItems.ToString());
            // A folder other than a calendar reads all or nothing (PermissionReadAccessType).
            w.T("ReadItems", (calendar || rights.ReadItems is ReadAccess.None or ReadAccess.FullDetails ? rights.ReadItems : ReadAccess.None).ToString());
            w.T(calendar ? "CalendarPermissionLevel" : "PermissionLevel", rights.LevelOn(calendar).ToString());
            w.End();
        }

        w.End();
        w.End();
    }

    private static string? Stamp(DateTime time) =>
        time == default ? null : time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
