using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Server.Handlers;

namespace Rendezvous.Server;

/// <summary>A handler does its work asynchronously, then returns how to write the response body.</summary>
public delegate Task<Action<EwsWriter>> OperationHandler(EwsRequest request);

/// <summary>The one table from EWS operation name to handler.</summary>
public static class Operations
{
    public static readonly IReadOnlyDictionary<string, OperationHandler> Table = new Dictionary<string, OperationHandler>(StringComparer.Ordinal)
    {
        ["GetFolder"] = EwsErrors.Edge(FolderHandlers.GetFolder),
        ["FindFolder"] = EwsErrors.Edge(FolderHandlers.FindFolder),
        ["CreateFolder"] = EwsErrors.Edge(FolderHandlers.CreateFolder),
        ["DeleteFolder"] = EwsErrors.Edge(FolderHandlers.DeleteFolder),
        ["UpdateFolder"] = EwsErrors.Edge(FolderHandlers.UpdateFolder),
        ["CreateItem"] = EwsErrors.Edge(ItemHandlers.CreateItem),
        ["GetItem"] = EwsErrors.Edge(ItemHandlers.GetItem),
        ["FindItem"] = EwsErrors.Edge(ItemHandlers.FindItem),
        ["UpdateItem"] = EwsErrors.Edge(ItemHandlers.UpdateItem),
        ["DeleteItem"] = EwsErrors.Edge(ItemHandlers.DeleteItem),
        ["MoveItem"] = EwsErrors.Edge(ItemHandlers.MoveItem),
        ["CopyItem"] = EwsErrors.Edge(ItemHandlers.CopyItem),
        ["SendItem"] = EwsErrors.Edge(ItemHandlers.SendItem),
        ["CreateAttachment"] = EwsErrors.Edge(AttachmentHandlers.CreateAttachment),
        ["GetAttachment"] = EwsErrors.Edge(AttachmentHandlers.GetAttachment),
        ["DeleteAttachment"] = EwsErrors.Edge(AttachmentHandlers.DeleteAttachment),
        ["ConvertId"] = EwsErrors.Edge(ConvertIdHandler.ConvertId),
        ["SyncFolderItems"] = EwsErrors.Edge(SyncHandlers.SyncFolderItems),
        ["SyncFolderHierarchy"] = EwsErrors.Edge(SyncHandlers.SyncFolderHierarchy),
        ["GetServerTimeZones"] = EwsErrors.Edge(TimeZoneHandler.GetServerTimeZones),
        ["GetUserAvailabilityRequest"] = EwsErrors.Edge(AvailabilityHandler.GetUserAvailability),
        ["GetUserConfiguration"] = EwsErrors.Edge(UserConfigurationHandlers.GetUserConfiguration),
        ["CreateUserConfiguration"] = EwsErrors.Edge(UserConfigurationHandlers.CreateUserConfiguration),
        ["UpdateUserConfiguration"] = EwsErrors.Edge(UserConfigurationHandlers.UpdateUserConfiguration),
        ["DeleteUserConfiguration"] = EwsErrors.Edge(UserConfigurationHandlers.DeleteUserConfiguration),
        // Rooms (issue 17 §5)
        ["GetRoomLists"] = EwsErrors.Edge(RoomHandlers.GetRoomLists),
        ["GetRooms"] = EwsErrors.Edge(RoomHandlers.GetRooms),

        // People, out of office and setup calls (issue 17 §4, §6, §7).
        ["GetServiceConfiguration"] = EwsErrors.Edge(SetupHandlers.GetServiceConfiguration),
        ["GetPasswordExpirationDate"] = EwsErrors.Edge(SetupHandlers.GetPasswordExpirationDate),
        ["GetAppManifests"] = EwsErrors.Edge(SetupHandlers.GetAppManifests),
        ["GetAppMarketplaceUrl"] = EwsErrors.Edge(SetupHandlers.GetAppMarketplaceUrl),
        ["ResolveNames"] = EwsErrors.Edge(PeopleHandlers.ResolveNames),
        ["ExpandDL"] = EwsErrors.Edge(PeopleHandlers.ExpandDL),
        ["GetMailTips"] = EwsErrors.Edge(PeopleHandlers.GetMailTips),
        ["GetUserPhoto"] = EwsErrors.Edge(PeopleHandlers.GetUserPhoto),
        ["GetUserOofSettingsRequest"] = EwsErrors.Edge(OofHandlers.GetUserOofSettings),
        ["SetUserOofSettingsRequest"] = EwsErrors.Edge(OofHandlers.SetUserOofSettings),

        // Folders and items (issue 17 §2, §3).
        ["EmptyFolder"] = EwsErrors.Edge(FolderHandlers.EmptyFolder),
        ["MoveFolder"] = EwsErrors.Edge(FolderHandlers.MoveFolder),
        ["CopyFolder"] = EwsErrors.Edge(FolderHandlers.CopyFolder),
        ["MarkAllItemsAsRead"] = EwsErrors.Edge(ItemActionHandlers.MarkAllItemsAsRead),
        ["MarkAsJunk"] = EwsErrors.Edge(ItemActionHandlers.MarkAsJunk),
        ["ArchiveItem"] = EwsErrors.Edge(ItemActionHandlers.ArchiveItem),
        ["ExportItems"] = EwsErrors.Edge(ItemActionHandlers.ExportItems),
        ["UploadItems"] = EwsErrors.Edge(ItemActionHandlers.UploadItems),
        // Notifications (issue 17 §1); GetStreamingEvents is in Streaming.
        ["Subscribe"] = EwsErrors.Edge(NotificationHandlers.Subscribe),
        ["GetEvents"] = EwsErrors.Edge(NotificationHandlers.GetEvents),
        ["Unsubscribe"] = EwsErrors.Edge(NotificationHandlers.Unsubscribe),

        // Conversations (issue 17 §3).
        ["FindConversation"] = EwsErrors.Edge(ConversationHandlers.FindConversation),
        ["GetConversationItems"] = EwsErrors.Edge(ConversationHandlers.GetConversationItems),

        // Delegates (issue 18 §2).
        ["GetDelegate"] = EwsErrors.Edge(DelegateHandlers.GetDelegate),
        ["AddDelegate"] = EwsErrors.Edge(DelegateHandlers.AddDelegate),
        ["UpdateDelegate"] = EwsErrors.Edge(DelegateHandlers.UpdateDelegate),
        ["RemoveDelegate"] = EwsErrors.Edge(DelegateHandlers.RemoveDelegate),
    };

    /// <summary>The operations whose responses are streamed (<see cref="EwsOperation.Streamed"/>).</summary>
    public static readonly IReadOnlyDictionary<string, StreamingOperationHandler> Streaming = new Dictionary<string, StreamingOperationHandler>(StringComparer.Ordinal)
    {
        // Notifications (issue 17 §1).
        ["GetStreamingEvents"] = NotificationHandlers.GetStreamingEvents,
    };

    /// <summary>
    /// The operations whose responses carry xsi attributes (ConvertId's xsi:type, a user configuration's xsi:nil): only
    /// their envelopes declare the prefix (<see cref="SoapWriter.WriteResponseDeclaringXsi"/> says why not all).
    /// </summary>
    public static readonly IReadOnlySet<string> DeclaringXsi = new HashSet<string>(StringComparer.Ordinal) { "ConvertId", "GetUserConfiguration" };

    /// <summary>
    /// The operations whose arguments are not checked against the schema (<see cref="SchemaElements"/>) before their
    /// handler reads them: GetAppMarketplaceUrl, which Outlook sends with ApiVersionSupported and SchemaVersionSupported
    /// (its reference page's request) while this schema, Exchange Online's, declares it without children; GetMailTips,
    /// which exchangelib sends with its MailTipsRequested as the operation's own text (its handler reads either).
    /// </summary>
    public static readonly IReadOnlySet<string> UncheckedArguments = new HashSet<string>(StringComparer.Ordinal) { "GetAppMarketplaceUrl", "GetMailTips" };
}
