using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>The folder shape of GetFolder, FindFolder and CreateFolder.</summary>
public static class FolderWriter
{
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
            w.StartT("EffectiveRights");
            w.T("CreateAssociated", true);
            w.T("CreateContents", true);
            w.T("CreateHierarchy", true);
            w.T("Delete", folder.DistinguishedName is null);
            w.T("Modify", true);
            w.T("Read", true);
            if (context.Supports(ExchangeVersion.Exchange2013))
            {
                w.T("ViewPrivateItems", true);
            }

            w.End();
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

    private static string? Stamp(DateTime time) =>
        time == default ? null : time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
